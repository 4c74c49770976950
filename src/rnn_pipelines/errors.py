"""What the command line tells apart: a user's mistake (its message alone) and a crash (a traceback).

An exception that derives from ``UserError`` names the file, row, parameter or address and the rule it
breaks; ``rnn-pipelines`` and ``kedro run`` print that message alone and exit with its ``exit_code``.
Anything else is a crash: its traceback, exit code 1. ``--verbose`` (or ``RNN_PIPELINES_VERBOSE=1``)
shows the traceback for a mistake too. ``EXIT_CODES`` says what each code means (the commands' help
shows it).
"""

from __future__ import annotations

import os

VERBOSE_VARIABLE = "RNN_PIPELINES_VERBOSE"  # 1: tracebacks for user mistakes too
EXIT_CODES = {
    0: "done",
    1: "a crash (its traceback is printed, and kept in a failed pipeline's MLflow run)",
    2: "a mistake to put right (an argument, a parameter, the data, a model spec)",
    3: "refused (another run of the pipeline holds its lock: retry later, or --wait)",
    4: "storage or tracking cannot be used (the data root or the MLflow server)",
}


def exit_codes() -> str:
    """``EXIT_CODES`` in one sentence, for the commands' help."""
    return "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()) + "."


class UserError(Exception):
    """Something the user can put right: the message says what and where."""

    exit_code = 2


class RunRefused(UserError):
    """Another run holds the pipeline's lock."""

    exit_code = 3


class ServiceError(UserError):
    """The data root or the tracking server cannot be used as configured."""

    exit_code = 4


def user_error(error: BaseException) -> UserError | None:
    """The ``UserError`` behind ``error`` (itself, or what it was raised from), or ``None``: a crash."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, UserError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def verbose() -> bool:
    return os.environ.get(VERBOSE_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")
