"""`mlflow models serve` on the registered sentiment champion of a smoke run, from a machine that never ran
the pipeline (no project, no data root, no S3 credentials: the team's MLflow server alone, whose artifacts
it proxies): raw reviews in over HTTP in MLflow's documented JSON formats, the SavedModel's answers out; a
malformed request gets a 4xx that says what is wrong. (Forecasting and text generation share the code path:
their registered models are tested through ``mlflow.pyfunc.load_model`` in their smoke modules.)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
import requests

from tests.integration.conftest import TeamRuns, free_port, http_server, quiet_env

pytestmark = pytest.mark.real_data
REVIEWS = ["what a wonderful film", "a dull, lifeless mess", "", "Not bad at all. " * 40]


@pytest.fixture(scope="module")
def elsewhere(team_runs: TeamRuns, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A folder on no project, and an environment that names the tracking server only."""
    folder = tmp_path_factory.mktemp("elsewhere")
    env = quiet_env() | {"MLFLOW_TRACKING_URI": team_runs.team.env["MLFLOW_TRACKING_URI"]}
    env = {k: v for k, v in env.items() if not k.startswith("AWS_") and k != "RNN_PIPELINES_DATA_ROOT"}
    return folder, env | {"RNN_PIPELINES_CACHE_DIR": str(folder / "cache")}


@pytest.fixture(scope="module")
def endpoint(elsewhere: tuple[Path, dict[str, str]]):
    port = free_port()
    folder, env = elsewhere
    # the server runs `uvicorn` from PATH: the environment's scripts first, as `uv run` puts them
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "models",
        "serve",
        "-m",
        "models:/rnn-pipelines-sentiment@champion",
    ]
    command += ["--env-manager", "local", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with http_server(command, f"{url}/ping", env=env, wait=240, cwd=folder):
        yield url


@pytest.fixture(scope="module")
def expected(elsewhere: tuple[Path, dict[str, str]]) -> np.ndarray:
    """What ``rnn-pipelines predict --model models:/…@champion`` answers on the same machine: the registered
    champion's SavedModel in a fresh process, as the server runs it."""
    import json
    import subprocess

    folder, env = elsewhere
    command = [sys.executable, "-m", "rnn_pipelines", "predict", "--json", "--threshold", "0"]
    command += ["--model", "models:/rnn-pipelines-sentiment@champion", *REVIEWS]
    result = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return np.array([json.loads(line)["probability"] for line in result.stdout.splitlines()])


def invoke(url: str, payload: object = None, data: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if payload is not None:
        return requests.post(f"{url}/invocations", json=payload, headers=headers, timeout=60)
    return requests.post(f"{url}/invocations", data=data, headers=headers, timeout=60)


@pytest.mark.parametrize(
    "payload",
    [
        {"dataframe_split": {"columns": ["text"], "data": [[r] for r in REVIEWS]}},
        {"dataframe_records": [{"text": r} for r in REVIEWS]},
        {"inputs": {"text": REVIEWS}},
    ],
    ids=["dataframe_split", "dataframe_records", "inputs"],
)
def test_the_served_champion_answers_raw_reviews_like_the_saved_model(
    endpoint: str, expected: np.ndarray, payload: dict
) -> None:
    response = invoke(endpoint, payload)
    assert response.status_code == 200, response.text
    predictions = np.asarray(response.json()["predictions"], dtype=float)
    np.testing.assert_allclose(predictions, expected, atol=1e-5)  # the export check's tolerance


@pytest.mark.parametrize(
    ("payload", "data", "says"),
    [
        ({"dataframe_split": {"columns": ["review"], "data": [["a fine film"]]}}, None, "missing inputs"),
        ({"dataframe_split": {"columns": ["text"], "data": [[3.5]]}}, None, "row 0 is float 3.5"),
        (None, "", "Invalid input"),
        (None, "{not json", "Invalid input"),
    ],
    ids=["missing column", "wrong type", "empty body", "not json"],
)
def test_a_malformed_request_gets_a_4xx_that_says_what_is_wrong(
    endpoint: str, payload: dict | None, data: str | None, says: str
) -> None:
    response = invoke(endpoint, payload, data)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert says.lower() in response.text.lower(), response.text[:500]
