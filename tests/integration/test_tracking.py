"""MLflow tracking per project: the SQLite store in the project, MLFLOW_TRACKING_URI respected, and
sessions in one process never leak into each other's store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.conftest import make_project_copy, run_smoke


def experiments(store: Path) -> list[str]:
    from mlflow import MlflowClient

    return sorted(e.name for e in MlflowClient(tracking_uri=f"sqlite:///{store}").search_experiments())


def test_two_projects_in_one_process_track_into_their_own_stores(tmp_path: Path, monkeypatch) -> None:
    import mlflow

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    first, second = make_project_copy(tmp_path / "a"), make_project_copy(tmp_path / "b")
    for project in (first, second):
        run_smoke(project, pipeline="temperatures_data")
        assert mlflow.active_run() is None  # the run is closed, not left on MLflow's stack
        assert "MLFLOW_TRACKING_URI" not in os.environ  # MLflow's export does not outlive the session
        assert "rnn-pipelines" in experiments(project / "mlflow/mlflow.db")


def test_a_user_tracking_uri_takes_precedence_and_is_kept(tmp_path: Path, monkeypatch) -> None:
    store = tmp_path / "team.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}")
    project = make_project_copy(tmp_path / "p")
    run_smoke(project, pipeline="temperatures_data")
    assert "rnn-pipelines" in experiments(store)
    assert not (project / "mlflow/mlflow.db").exists()
    assert os.environ["MLFLOW_TRACKING_URI"] == f"sqlite:///{store}"


@pytest.fixture(autouse=True)
def _parents(tmp_path: Path) -> None:
    for name in ("a", "b", "p"):
        (tmp_path / name).mkdir()
