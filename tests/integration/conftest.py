"""A throw-away copy of the project (conf, pyproject, empty data folders) to run whole pipelines in."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import tracking_uri

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def make_project_copy(parent: Path) -> Path:
    """Copy conf/ (without local), pyproject and the telemetry opt-out into ``parent/project``."""
    root = parent / "project"
    root.mkdir()
    shutil.copytree(PROJECT_ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    (root / "src").mkdir()  # Kedro wants the folder; the package itself is installed
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    for layer in ("01_raw", "02_intermediate", "08_reporting"):
        (root / "data" / layer).mkdir(parents=True)
    return root


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return make_project_copy(tmp_path)


def run_smoke(project: Path, pipeline: str = "sentiment", **kwargs) -> None:
    """``kedro run --pipeline=<pipeline> --env=smoke`` in ``project``, in this process."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)  # parameter paths (checkpoints) are relative to where kedro runs
        with KedroSession.create(project_path=project, env="smoke") as session:
            session.run(pipeline_names=[pipeline], **kwargs)


@pytest.fixture(scope="session")
def smoke_project(tmp_path_factory, mirror: Path) -> Path:
    """A project copy after one smoke run of the sentiment pipeline (shared by the modules that read it)."""
    project = make_project_copy(tmp_path_factory.mktemp("sentiment"))
    run_smoke(project)
    return project


def quiet_env() -> dict[str, str]:
    """The environment for a project command in a subprocess: no telemetry prompt, quiet TensorFlow,
    and no tracking URI inherited from another project's session."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


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
def http_server(command: list[str], health: str, env: dict[str, str] | None = None, wait: float = 180):
    """Start ``command`` (a server), wait until ``health`` answers, yield, then stop it."""
    import requests

    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
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
