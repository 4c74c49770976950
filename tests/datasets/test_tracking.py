"""The run summary lands on the active MLflow run: metrics, tags, name, description, dataset inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnn_pipelines.datasets.tracking import MlflowRunSummaryDataset
from tests.conftest import tracking_uri

SUMMARY = {
    "name": "sentiment · gru · test accuracy 0.8800",
    "metrics": {"selected_test_accuracy": 0.88, "blessed": 1.0},
    "tags": {"selected_variant": "gru", "blessed": "true"},
    "description": "**sentiment**: selected `gru`",
    "fingerprints": {"data_sha256": "d" * 64, "test_sha256": "e" * 64},
}


@pytest.fixture
def tracking(tmp_path: Path, monkeypatch):
    import mlflow

    monkeypatch.chdir(tmp_path)
    with tracking_uri(f"sqlite:///{tmp_path}/mlflow.db"):
        yield mlflow
        if mlflow.active_run():
            mlflow.end_run()


def test_the_summary_is_logged_to_the_active_run(tracking, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/reviews.parquet").write_bytes(b"x")
    dataset = MlflowRunSummaryDataset(
        inputs={
            "data_sha256": {"name": "imdb_reviews", "path": "data/reviews.parquet", "context": "validated"}
        }
    )
    with tracking.start_run(run_name="sentiment") as run:
        dataset.save(SUMMARY)
    logged = tracking.get_run(run.info.run_id)
    assert logged.data.metrics == SUMMARY["metrics"]
    assert logged.data.tags["selected_variant"] == "gru" and logged.data.tags["blessed"] == "true"
    assert logged.info.run_name.startswith("sentiment · gru · test accuracy 0.8800 · 20")  # + start time
    assert logged.data.tags["mlflow.note.content"] == SUMMARY["description"]
    (logged_input,) = logged.inputs.dataset_inputs  # only the configured fingerprint
    assert logged_input.dataset.name == "imdb_reviews" and logged_input.dataset.digest == "d" * 36
    assert str(tmp_path / "data/reviews.parquet") in logged_input.dataset.source
    tags = {tag.key: tag.value for tag in logged_input.tags}
    assert tags["sha256"] == "d" * 64 and tags["mlflow.data.context"] == "validated"


def test_without_an_active_run_nothing_is_logged(tracking) -> None:
    MlflowRunSummaryDataset().save(SUMMARY)  # no run: logged as a line, no error
    assert tracking.search_runs(search_all_experiments=True).empty
