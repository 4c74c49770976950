"""`kedro run` with malformed parameters stops before any node runs, naming every problem; nothing is
read, trained or written, and no MLflow run is opened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import make_project_copy


def test_malformed_parameters_stop_the_run_before_any_work(tmp_path: Path) -> None:
    project = make_project_copy(tmp_path)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "kedro",
            "run",
            "--pipeline=forecasting",
            "--env=smoke",
            "--params",
            "forecasting.windowing.horizon=0,forecasting.training.epochs=0",
        ],
        cwd=project,
        env={**os.environ, "DO_NOT_TRACK": "1", "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = " ".join((run.stdout + run.stderr).split())  # Kedro's console wraps long lines
    assert run.returncode != 0
    assert "2 parameter problem(s); nothing was run" in output, output[-3000:]
    assert "forecasting.windowing.horizon = 0: Input should be greater than 0 (from --params)" in output
    assert "forecasting.training.epochs = 0: Input should be greater than 0 (from --params)" in output
    assert "Running node" not in output and "IndexError" not in output
    written = [p for p in (project / "data").rglob("*") if p.is_file() and p.name != ".gitkeep"]
    assert written == []  # no data read into the project, no lock taken, no report
    database = project / "mlflow/mlflow.db"
    if database.exists():  # kedro-mlflow may create the store, but no run is opened in it
        import sqlite3

        with sqlite3.connect(database) as connection:
            assert connection.execute("select count(*) from runs").fetchone()[0] == 0
