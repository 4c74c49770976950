"""User mistakes as the commands report them: one message naming what is wrong, its exit code
(``rnn_pipelines.errors``), no traceback unless asked for. Real subprocesses, as a user runs them.

The other kinds are checked where their runs already happen: a parameter (test_parameters.py), missing
data and a failing validation (test_project.py), a refused second run (test_retraining_cli.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import assert_one_message, make_project_copy, quiet_env


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project_copy(tmp_path_factory.mktemp("mistakes"))


def command(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=project,
        env={**quiet_env(), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_an_unreachable_tracking_server_names_its_address(project: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = command(
        project,
        "kedro",
        "run",
        "--pipelines=temperatures_data",
        MLFLOW_TRACKING_URI=f"http://127.0.0.1:{port}",
    )
    assert_one_message(result, 4, f"MLFLOW_TRACKING_URI = 'http://127.0.0.1:{port}'", "cannot be reached")
    assert "Running node" not in result.stdout + result.stderr


def test_the_commands_report_mistakes_the_same_way(project: Path, tmp_path: Path) -> None:
    nowhere = tmp_path / "nowhere"
    result = command(project, "rnn_pipelines", "predict", "--model", str(nowhere), "a review")
    assert_one_message(result, 2, f"No exported sentiment model at '{nowhere}'")
    result = command(project, "rnn_pipelines", "generate", "--model", str(nowhere), "ROMEO:")
    assert_one_message(result, 2, f"No exported text generator at '{nowhere}'")
    result = command(project, "rnn_pipelines", "generate", "--length", "-1", "ROMEO:")
    assert result.returncode == 2 and "-1 is not in the range x>=0" in result.stderr  # click's usage error


def test_verbose_prints_the_traceback_before_the_message(project: Path, tmp_path: Path) -> None:
    nowhere = tmp_path / "nowhere"
    for result in (
        command(project, "rnn_pipelines", "predict", "--verbose", "--model", str(nowhere), "a review"),
        command(project, "rnn_pipelines", "predict", "--model", str(nowhere), "x", RNN_PIPELINES_VERBOSE="1"),
    ):
        assert result.returncode == 2
        assert "Traceback (most recent call last)" in result.stderr and "PredictError" in result.stderr
        assert result.stderr.rstrip().splitlines()[-1].startswith("error: No exported sentiment model at")
