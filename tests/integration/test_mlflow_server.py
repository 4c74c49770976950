"""A team's `mlflow server` (PostgreSQL backend store, artifacts proxied to the S3 bucket) after a smoke
run from a working copy: its REST API shows what a user reviews, as on the project's own SQLite store."""

from __future__ import annotations

import pytest
import requests

from tests.integration.conftest import TeamRuns
from tests.integration.test_sentiment_smoke import HYBRIDS, REPORT_FILES, VARIANTS

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def server(team_runs: TeamRuns) -> str:
    return team_runs.team.env["MLFLOW_TRACKING_URI"]


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
    parents = [
        run
        for run, tag in zip(runs, tags, strict=True)
        if tag.get("mlflow.runName", "").startswith("sentiment · ")
    ]
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
