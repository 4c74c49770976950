"""A real `mlflow server` on the store a smoke run wrote: the REST API shows what a user reviews."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.integration.test_sentiment_smoke import HYBRIDS, REPORT_FILES, VARIANTS

pytestmark = pytest.mark.real_data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(smoke_project: Path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{smoke_project}/mlflow/mlflow.db",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"mlflow server exited: {process.stderr.read()[-2000:]}")
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("mlflow server did not answer /health within 120 s")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def api(url: str, endpoint: str, **params) -> dict:
    response = requests.get(f"{url}/api/2.0/mlflow/{endpoint}", params=params, timeout=30)
    response.raise_for_status()
    return response.json()


def test_rest_api_shows_parent_nested_runs_and_report(server: str) -> None:
    experiment = api(server, "experiments/get-by-name", experiment_name="rnn-pipelines")["experiment"]
    response = requests.post(
        f"{server}/api/2.0/mlflow/runs/search",
        json={"experiment_ids": [experiment["experiment_id"]], "max_results": 1000},
        timeout=30,
    )
    response.raise_for_status()
    runs = response.json()["runs"]
    tags = [{t["key"]: t["value"] for t in run["data"].get("tags", [])} for run in runs]
    parents = [run for run, tag in zip(runs, tags, strict=True) if tag.get("mlflow.runName") == "sentiment"]
    assert parents
    parent_id = parents[-1]["info"]["run_id"]  # runs/search is newest first: the module's first run
    children = [
        run for run, tag in zip(runs, tags, strict=True) if tag.get("mlflow.parentRunId") == parent_id
    ]
    assert sorted(run["info"]["run_name"] for run in children) == sorted([*VARIANTS, *HYBRIDS])
    for child in children:
        metrics = {m["key"]: m["value"] for m in child["data"]["metrics"]}
        assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["parameters"] > 0
    listed = api(server, "artifacts/list", run_id=parent_id, path="report")["files"]
    assert {f"report/{name}" for name in REPORT_FILES} <= {f["path"] for f in listed}
