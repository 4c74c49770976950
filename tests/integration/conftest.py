"""A throw-away copy of the project (conf, pyproject, empty data folders) to run whole pipelines in."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deploy.project import copy_configuration
from tests.conftest import tracking_uri

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def make_project_copy(parent: Path) -> Path:
    """A working copy in ``parent/project``: conf/ (without local), pyproject, the telemetry opt-out."""
    root = parent / "project"
    root.mkdir()
    copy_configuration(root)
    for layer in ("01_raw", "02_intermediate", "08_reporting"):
        (root / "data" / layer).mkdir(parents=True)
    return root


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return make_project_copy(tmp_path)


def run_smoke(project: Path, pipeline: str = "sentiment", **kwargs) -> None:
    """``kedro run --pipelines=<pipeline> --env=smoke`` in ``project``, in this process."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)  # parameter paths (checkpoints) are relative to where kedro runs
        with KedroSession.create(project_path=project, env="smoke") as session:
            session.run(pipeline_names=[pipeline], **kwargs)


SMOKE_LOG = "smoke_run.log"  # beside the smoke project: what `kedro run` printed (stdout and stderr)


@pytest.fixture(scope="session")
def smoke_project(tmp_path_factory, mirror: Path) -> Path:
    """A project copy after one smoke run of the sentiment pipeline (shared by the modules that read it),
    started as a user starts it: ``kedro run --pipelines=sentiment --env=smoke`` in a subprocess, its
    output to a file (``SMOKE_LOG`` beside the project: tests/integration/test_run_log.py reads it)."""
    project = make_project_copy(tmp_path_factory.mktemp("sentiment"))
    log = project.parent / SMOKE_LOG
    with log.open("w", encoding="utf-8") as output:
        finished = subprocess.run(
            [sys.executable, "-m", "kedro", "run", "--pipelines=sentiment", "--env=smoke"],
            cwd=project,
            env=quiet_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=1800,
            check=False,
        )
    assert finished.returncode == 0, log.read_text(encoding="utf-8")[-5000:]
    return project


def quiet_env() -> dict[str, str]:
    """The environment for a project command in a subprocess: no telemetry prompt and no tracking URI
    inherited from another project's session."""
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


TRACEBACKS = ("Traceback", "╭─", "│ ")  # Python's traceback and rich's traceback box


def assert_one_message(result: subprocess.CompletedProcess, code: int, *message: str) -> str:
    """A user's mistake as a command reports it (``rnn_pipelines.errors``): exit ``code``, standard error
    ending with ``error: <message>`` holding every part of ``message``, and no traceback anywhere."""
    output = result.stdout + result.stderr
    assert result.returncode == code, output[-3000:]
    assert "error: " in result.stderr, output[-3000:]
    error = result.stderr[result.stderr.rindex("error: ") :]
    for part in message:
        assert part in error, error
    assert not any(box in output for box in TRACEBACKS), output[-3000:]
    return error


def kedro(project: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``kedro <args>`` in ``project``, its output captured (the exit code is the caller's to check)."""
    return subprocess.run(
        [sys.executable, "-m", "kedro", *args],
        cwd=project,
        env=quiet_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def registered_champion(project: Path, name: str) -> Any:
    """``mlflow.pyfunc.load_model("models:/<name>@champion")`` from the project's store, loaded as a user
    would (the process's tracking URI left as it was)."""
    import mlflow

    with tracking_uri(f"sqlite:///{project}/mlflow/mlflow.db"):
        return mlflow.pyfunc.load_model(f"models:/{name}@champion")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def http_server(
    command: list[str],
    health: str,
    env: dict[str, str] | None = None,
    wait: float = 180,
    cwd: Path | None = None,
):
    """Start ``command`` (a server), wait until ``health`` answers, yield, then stop it."""
    import requests

    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd)
    deadline = time.monotonic() + wait
    try:
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"{command[:4]} exited: {log.read()[-2000:]}")
            try:
                if requests.get(health, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{command[:4]} did not answer {health} within {wait:.0f} s")
            time.sleep(0.5)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def mlflow_server(project: Path):
    """``mlflow server`` (the UI and its REST API) on ``project``'s store, on a free loopback port; yields
    its URL."""
    port = free_port()
    command = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri"]
    command += [f"sqlite:///{project}/mlflow/mlflow.db", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with http_server([*command, "--workers", "1"], f"{url}/health", wait=120):
        yield url


def parent_run(runs: list[Any], pipeline: str) -> Any:
    """The first pipeline run of ``pipeline`` among MLflow ``runs`` (its name tells runs apart now:
    ``<pipeline> · <selected> · <score> · <time>``; kedro-mlflow's ``pipeline_names`` tag says which)."""
    return next(
        r
        for r in runs
        if r.data.tags.get("pipeline_names") == f"['{pipeline}']" and "mlflow.parentRunId" not in r.data.tags
    )


# ---- a team's set-up: data on an S3 bucket, runs on a PostgreSQL-backed MLflow server ----
TEAM_BUCKET = "rnn-team"


@dataclass
class Team:
    """The shared services (``deploy.services.team_services``) and what a team member's shell sets: the
    S3 endpoint and credentials, the MLflow server and the data root on the bucket."""

    services: dict[str, Any]
    root: str
    env: dict[str, str]

    def working_copy(self, parent: Path, name: str) -> tuple[Path, dict[str, str]]:
        """A checkout of its own (conf, empty data/), with its own local cache and temporary folder, and
        the environment a command runs with there: nothing local is shared with another copy."""
        folder = parent / name
        folder.mkdir()
        project = make_project_copy(folder)
        (folder / "cache").mkdir()
        (folder / "tmp").mkdir()
        env = (
            quiet_env()
            | self.env
            | {"RNN_PIPELINES_CACHE_DIR": str(folder / "cache"), "TMPDIR": str(folder / "tmp")}
        )
        return project, env

    def _client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.env["AWS_ENDPOINT_URL"],
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
            region_name=self.env["AWS_DEFAULT_REGION"],
        )

    def objects(self, prefix: str = "") -> dict[str, str]:
        """The bucket's objects under ``prefix``: key → ETag."""
        pages = self._client().get_paginator("list_objects_v2").paginate(Bucket=TEAM_BUCKET, Prefix=prefix)
        return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}

    def read(self, key: str) -> str:
        """The text of the object ``key``."""
        return self._client().get_object(Bucket=TEAM_BUCKET, Key=key)["Body"].read().decode("utf-8")


@pytest.fixture(scope="session")
def team(tmp_path_factory, mirror: Path) -> Iterator[Team]:
    """PostgreSQL, an S3 server and an MLflow server on both, for the whole session; stopped at its end."""
    from deploy.services import team_services

    folder = tmp_path_factory.mktemp("team")
    with team_services(folder / "services", bucket=TEAM_BUCKET) as services:
        root = f"s3://{TEAM_BUCKET}/team"
        env = {**services["s3"].env, **services["mlflow"].env, "RNN_PIPELINES_DATA_ROOT": root}
        yield Team(services, root, env)


@dataclass
class TeamRuns:
    """The smoke runs of the three pipelines from one working copy (``project``) on the team's set-up, and
    a run of sentiment from a second copy (``other``) started while the first one's ran."""

    team: Team
    project: Path
    env: dict[str, str]
    runs: dict[str, subprocess.CompletedProcess]
    other: Path
    other_env: dict[str, str]
    refused: subprocess.CompletedProcess
    holder_pid: int


@pytest.fixture(scope="session")
def team_runs(team: Team, tmp_path_factory) -> TeamRuns:
    """Working copy A runs sentiment (``kedro run``), forecasting (``rnn-pipelines retrain``: the cron
    path) and text generation on the bucket and the server; working copy B, on another folder with its own
    cache, starts ``kedro run --pipelines=sentiment`` while A's holds the pipeline's lease."""
    parent = tmp_path_factory.mktemp("copies")
    project, env = team.working_copy(parent, "a")
    other, other_env = team.working_copy(parent, "b")
    runs: dict[str, subprocess.CompletedProcess] = {}
    command = [sys.executable, "-m", "kedro", "run", "--pipelines=sentiment", "--env=smoke"]
    log = parent / "a-sentiment.log"
    with log.open("w") as out:
        first = subprocess.Popen(
            command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
    lease = "team/08_reporting/retraining/sentiment.lock"
    deadline = time.monotonic() + 300
    while lease not in team.objects(lease) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    refused = subprocess.run(
        command, cwd=other, env=other_env, capture_output=True, text=True, timeout=600, check=False
    )
    first.wait(timeout=1800)
    runs["sentiment"] = subprocess.CompletedProcess(command, first.returncode, log.read_text(), "")
    retrain = [sys.executable, "-m", "rnn_pipelines", "retrain", "forecasting", "--env", "smoke"]
    text = [sys.executable, "-m", "kedro", "run", "--pipelines=text_generation", "--env=smoke"]
    for name, call in (("forecasting", retrain), ("text_generation", text)):
        runs[name] = subprocess.run(
            call, cwd=project, env=env, capture_output=True, text=True, timeout=1800, check=False
        )
    return TeamRuns(team, project, env, runs, other, other_env, refused, first.pid)
