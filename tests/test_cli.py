"""`rnn-pipelines`: one command group, light to list, each command with its own help and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from rnn_pipelines import errors
from rnn_pipelines.__main__ import COMMANDS, main


def imported_by(code: str, heavy: tuple[str, ...]) -> tuple[list[str], str]:
    """Which of ``heavy`` a fresh interpreter has imported after ``code``, and what it printed."""
    check = (
        f"{code}\nimport json, sys\nprint('IMPORTED', json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=120, check=True
    )
    printed, _, imported = shown.stdout.rpartition("IMPORTED ")
    return json.loads(imported), printed


def test_help_lists_every_command_without_importing_kedro_or_tensorflow() -> None:
    code = (
        "from rnn_pipelines.__main__ import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as done:\n    assert done.code == 0"
    )
    imported, shown = imported_by(code, ("kedro", "tensorflow", "keras", "mlflow"))
    assert imported == []
    for name in ("run", "predict", "generate", "retrain"):
        assert f"  {name} " in shown
    assert "Exit codes: 0 done; 1 a crash" in " ".join(shown.split())


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("predict", "--threshold FLOAT"),
        ("generate", "--temperature FLOAT RANGE"),
        ("retrain", "{forecasting|sentiment|text_generation}"),
        ("run", "--pipelines TEXT"),
    ],
)
def test_each_command_has_its_own_help(command: str, expected: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: rnn-pipelines {command}" in result.output and expected in result.output
    assert "--verbose" in result.output


def test_the_kedro_cli_takes_the_projects_run() -> None:
    from kedro.framework.cli.project import run as kedro_run

    from rnn_pipelines import cli

    assert cli.cli.get_command(None, "run") is cli.run and cli.run is not kedro_run
    assert {p.name for p in kedro_run.params} < {p.name for p in cli.run.params}
    assert set(COMMANDS) == set(cli.cli.list_commands(None))


def test_predict_imports_no_kedro_so_its_output_is_the_answer_alone() -> None:
    code = "from rnn_pipelines.cli import predict, generate, retrain"
    assert imported_by(code, ("kedro.framework.project", "tensorflow"))[0] == []


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["trian"])
    assert result.exit_code == 2 and "No such command 'trian'" in result.output


def test_a_mistake_found_inside_a_wrapped_error_is_still_a_mistake() -> None:
    from kedro.io.core import DatasetError

    from rnn_pipelines.datasets.locks import LockHeldError
    from rnn_pipelines.datasets.storage import StorageError
    from rnn_pipelines.schemas.check import ParameterError

    try:
        try:
            raise ParameterError("sentiment.training.epochs = 0")
        except ParameterError as inner:
            raise DatasetError("Failed while loading data") from inner
    except DatasetError as outer:
        assert isinstance(errors.user_error(outer), ParameterError)
    assert errors.user_error(RuntimeError("a bug")) is None
    assert ParameterError("x").exit_code == 2
    assert LockHeldError("host a, pid 1").exit_code == 3
    assert StorageError("s3://bucket unreachable").exit_code == 4
