"""Whole-project behaviour on tiny fixtures: CLI, configuration layering and failed runs."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import mlflow
import pandas as pd
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.conftest import write_acl_archive
from tests.integration.conftest import assert_one_message

KEDRO = [sys.executable, "-m", "kedro"]


def kedro(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DO_NOT_TRACK": "1", "COLUMNS": "300"}  # wide: rich does not wrap log lines
    env.pop("RNN_PIPELINES_DATA_MIRROR", None)  # these runs must not depend on the real data
    return subprocess.run(
        [*KEDRO, *args], cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_registry_lists_the_pipelines(project_copy: Path) -> None:
    result = kedro(project_copy, "registry", "list")
    assert result.returncode == 0, result.stderr
    for name in (
        "__default__",
        "ingestion",
        "imdb_data",
        "corpus_data",
        "temperatures_data",
        "sentiment",
        "forecasting",
    ):
        assert f"- {name}" in result.stdout


def free_port() -> int:
    """A free loopback port below 49152: kedro-viz refuses ports in the ephemeral range above it, which
    is where the OS hands out port 0 (so binding port 0 made this test fail about half the time)."""
    for port in random.Random().sample(range(20000, 49152), 500):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and 49151")


def test_kedro_viz_serves_the_pipelines(project_copy: Path) -> None:
    port = free_port()
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    server = subprocess.Popen(
        [*KEDRO, "viz", "run", "--no-browser", "--host", "127.0.0.1", "--port", str(port)],
        cwd=project_copy,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(project_copy / "viz.log").open("w"),
        start_new_session=True,  # kedro viz serves from a child process: stop the whole group
    )
    try:
        graph = None
        deadline = time.monotonic() + 600  # TensorFlow + MLflow imports are slow on a busy 2-core machine
        while graph is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/main", timeout=5) as response:
                    graph = json.load(response)
            except OSError:
                time.sleep(1)
        log = (project_copy / "viz.log").read_text()[-3000:]
        assert graph is not None, f"kedro viz did not answer (exit code {server.poll()}):\n{log}"
        assert {p["id"] for p in graph["pipelines"]} >= {"ingestion", "imdb_data", "__default__"}
        tasks = {n["name"] for n in graph["nodes"] if n["type"] == "task"}
        assert {"build_review_table", "validate_imdb_reviews", "enforce_imdb_reviews_validation"} <= tasks
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_cli_run_with_synthetic_temperatures_needs_no_data(project_copy: Path) -> None:
    result = kedro(
        project_copy, "run", "--pipelines=temperatures_data", "--params=temperature_source=synthetic"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    series = pd.read_parquet(project_copy / "data/02_intermediate/temperatures.parquet")
    assert len(series) == 3650 and series["date"].iloc[0] == pd.Timestamp("1981-01-01")


def test_offline_with_no_data_fails_with_where_to_put_it(project_copy: Path) -> None:
    (project_copy / "conf/local/catalog.yml").write_text(
        "imdb_reviews_raw:\n  type: rnn_pipelines.datasets.ImdbReviewsDataset\n"
        "  cache_dir: data/01_raw\n  download: false\n"
    )
    result = kedro(project_copy, "run", "--pipelines=imdb_data")
    assert_one_message(  # exit 2, the message alone, no traceback
        result, 2, "IMDB reviews: no local copy found", "'aclImdb_v1.tar.gz'", "RNN_PIPELINES_DATA_MIRROR"
    )


def test_failed_validation_keeps_the_previous_good_output(project_copy: Path, tmp_path: Path) -> None:
    local = project_copy / "conf/local"
    (local / "parameters_validation.yml").write_text("imdb_validation:\n  min_reviews: 4\n")
    good = write_acl_archive(tmp_path / "good")
    (local / "globals.yml").write_text(f"sources:\n  imdb: {good}\n")
    bootstrap_project(project_copy)
    with KedroSession.create(project_path=project_copy) as session:
        session.run(pipeline_names=["imdb_data"])
    output = project_copy / "data/02_intermediate/imdb_reviews.parquet"
    good_bytes = output.read_bytes()

    bad = write_acl_archive(tmp_path / "bad", raw={"train/pos/7_8.txt": b"   "})  # an empty review
    (local / "globals.yml").write_text(f"sources:\n  imdb: {bad}\n")
    result = kedro(project_copy, "run", "--pipelines=imdb_data")  # as a user runs it
    assert_one_message(  # exit 2, the message alone, no traceback
        result,
        2,
        "Data validation failed for 'imdb_reviews'",
        "no empty or whitespace-only reviews",
        "train/pos/7_8",
    )
    assert output.read_bytes() == good_bytes
    report = json.loads((project_copy / "data/08_reporting/validation/imdb_reviews.json").read_text())
    assert report["success"] is False
    # the failed run's MLflow run keeps the traceback the command line did not print
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{project_copy}/mlflow/mlflow.db")
    experiments = [e.experiment_id for e in client.search_experiments()]
    (failed,) = client.search_runs(experiments, "attributes.status = 'FAILED'")
    assert failed.data.tags["error"].startswith(
        "DataValidationError: Data validation failed for 'imdb_reviews'"
    )
    traceback = client.download_artifacts(failed.info.run_id, "error/traceback.txt", str(tmp_path))
    text = Path(traceback).read_text()
    assert text.startswith("Traceback (most recent call last)") and "DataValidationError" in text


def test_data_mirror_can_be_set_in_conf_local(project_copy: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "my_mirror"
    write_acl_archive(mirror, name="aclImdb_v1.tar.gz")
    local = project_copy / "conf/local"
    (local / "globals.yml").write_text(f"data_mirror: {mirror}\n")
    (local / "parameters_validation.yml").write_text("imdb_validation:\n  min_reviews: 4\n")
    result = kedro(project_copy, "run", "--pipelines=imdb_data")  # the environment variable is unset here
    assert result.returncode == 0, result.stdout + result.stderr
    assert "using the data mirror copy" in " ".join(result.stdout.split() + result.stderr.split())
    assert len(pd.read_parquet(project_copy / "data/02_intermediate/imdb_reviews.parquet")) == 12
