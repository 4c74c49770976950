"""What a user reads in the log of `kedro run --pipelines=sentiment --env=smoke` sent to a file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import SMOKE_LOG

pytestmark = pytest.mark.real_data
ROOT = Path(__file__).resolve().parents[2]
VARIANTS = yaml.safe_load((ROOT / "conf/base/parameters_sentiment.yml").read_text())["sentiment"]["variants"]
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
WIDTH = 80  # rich's width off a terminal, where it used to wrap

# The warning lines a smoke run may still print, each with why it is not fixed or filtered:
ALLOWED_WARNINGS = {
    # TensorFlow 2.21's C++ logging writes this line (and the I0000/E0000 lines after it) to the process's
    # standard error as its libraries load, before Python can filter it; TF_CPP_MIN_LOG_LEVEL no longer
    # applies to it. Once per library TensorFlow loads (two here).
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR": 2,
    # MLflow advises kedro-mlflow's own pipeline model when Kedro loads the plugin, before any of the
    # project's code (and its warning filters) runs.
    "Add type hints to the `predict` method": 1,
}


@pytest.fixture(scope="module")
def log_lines(smoke_project: Path) -> list[str]:
    return (smoke_project.parent / SMOKE_LOG).read_text(encoding="utf-8").splitlines()


def warning_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if re.search(r"\bWARNING\b|Warning:", line)]


def test_no_warning_comes_from_the_projects_own_code(log_lines: list[str]) -> None:
    own = [line for line in warning_lines(log_lines) if "rnn_pipelines" in line]
    assert own == []


def test_only_the_listed_warnings_remain(log_lines: list[str]) -> None:
    warnings = warning_lines(log_lines)
    unexpected = [line for line in warnings if not any(known in line for known in ALLOWED_WARNINGS)]
    assert unexpected == []
    for known, most in ALLOWED_WARNINGS.items():
        assert sum(known in line for line in warnings) <= most, known
    assert len(warnings) <= sum(ALLOWED_WARNINGS.values())


def test_every_training_says_which_row_of_how_many_and_its_epochs(log_lines: list[str]) -> None:
    text = "\n".join(log_lines)
    rows = re.findall(r"Training sentiment\.(\w+) \((\d+) of (\d+) in this run\)", text)
    assert {variant for variant, _, _ in rows} >= set(VARIANTS)
    assert sorted(int(position) for _, position, _ in rows) == list(range(1, len(rows) + 1))
    assert {int(total) for _, _, total in rows} == {len(rows)}
    for variant in VARIANTS:  # the per-epoch line names the row, the epoch and the scores
        assert re.search(
            rf"variant \d+/{len(rows)}: sentiment\.{variant} epoch 1/\d+ \(\d+ s.*\): .*val_loss=", text
        )


def test_log_lines_are_whole_in_a_file(log_lines: list[str]) -> None:
    """Each record on one line, with its time and level; nothing cut at 80 columns into fragments."""
    records = [line for line in log_lines if STAMP.match(line)]
    assert len(records) > 100
    assert max(len(line) for line in records) > WIDTH  # long records stay long
    fragments = [
        line
        for line in log_lines
        if line.strip() and not STAMP.match(line) and len(line) < WIDTH // 3 and not line.startswith("  ")
    ]
    assert fragments == []
    assert not any(line.startswith(" " * 10) for line in log_lines)  # rich's wrapped continuation


def test_the_run_ends_with_its_summary(log_lines: list[str]) -> None:
    tail = "\n".join(log_lines[-8:])
    assert re.search(r"sentiment: top 3 of \d+ rows by validation accuracy: 1\. \w+", tail)
    assert re.search(
        r"sentiment: selected (\w+); \1 (blessed: .+; the new champion|not blessed: .+; the champion stays)",
        tail,
    )
    assert "Report: " in tail and "08_reporting/sentiment/comparison.html" in tail
    assert "Review the runs: `uv run mlflow ui --backend-store-uri sqlite:///" in tail
    assert "Pipeline execution completed successfully" in log_lines[-1]
