"""What a person reads while a run goes: whole log lines in files, no third-party noise, progress.

- ``setup()`` (called by ``settings.py``, so every Kedro session gets it: ``kedro run``, Airflow tasks,
  notebooks) keeps Kedro's rich handler in a terminal and swaps it for plain, unwrapped lines when the
  output is a file or a pipe (rich wraps at 80 columns there), filters the warnings in ``NOISE`` and
  drops a line that repeats the one before.
- Not filtered: TensorFlow 2.21's C++ start-up lines ("All log messages before absl::InitializeLog()",
  oneDNN, CUDA drivers), written to the process's standard error as the library loads, before Python
  can see them; ``TF_CPP_MIN_LOG_LEVEL`` no longer applies to them.
- ``Progress`` reports a long loop: a live bar in a terminal, a plain line at most every
  ``LINE_SECONDS`` (and at each tenth of the work) in a log file; ``heartbeat`` a step that cannot
  count (a library's ``fit``). ``RNN_PIPELINES_PROGRESS=off`` keeps only the per-epoch lines.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger(__name__)

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PLAIN_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
PROGRESS_VARIABLE = "RNN_PIPELINES_PROGRESS"  # "off": no bars and no progress lines (epoch lines stay)
LINE_SECONDS = 30.0  # at most one progress line this often in a log file

# Warnings raised inside dependencies on every run that a user of this project cannot act on:
# (message pattern, category, why it is filtered)
NOISE: tuple[tuple[str, type[Warning], str], ...] = (
    (
        r"register_new_resolver\(\) is deprecated",
        UserWarning,
        "omegaconf's deprecation, raised inside Kedro's config loader and kedro-mlflow's hook",
    ),
    (
        r"Support for class-based `config` is deprecated",
        DeprecationWarning,
        "pydantic's deprecation, raised by kedro-mlflow's config models at import",
    ),
    (
        r"Failed to resolve installed pip version",
        UserWarning,
        "MLflow writes a conda.yaml beside the uv lock it copies; pip is not used by this project",
    ),
    (
        r"(\x1b\[\d+m)?Add type hints to the `predict` method",  # MLflow colours it
        UserWarning,
        "MLflow's advice to kedro-mlflow's own pipeline model, raised when kedro-mlflow is imported (the "
        "project's pyfunc models are typed: tests/test_logs.py checks them)",
    ),
    (
        r"The specified dataset source can be interpreted in multiple ways: (\w+), \1\.",
        UserWarning,
        "MLflow registers its local artifact source twice, then finds a local path ambiguous between "
        "the source and itself (the run summary logs the data it read as MLflow inputs)",
    ),
)


def terminal() -> bool:
    """Whether standard error is a terminal (a person watching), not a file, a pipe or a task log."""
    return sys.stderr.isatty()


def progress_enabled() -> bool:
    return os.environ.get(PROGRESS_VARIABLE, "on").strip().lower() not in ("off", "0", "false", "no")


def filter_noise() -> None:
    """Ignore the warnings listed in ``NOISE`` (each with its reason)."""
    for pattern, category, _why in NOISE:
        warnings.filterwarnings("ignore", message=pattern, category=category)


def plain_lines_off_terminal(root: logging.Logger | None = None) -> None:
    """Replace Kedro's rich handler by a plain one on the same stream when that stream is not a terminal
    (``kedro run > run.log``, a pipe, a task log): one line per record, never wrapped (rich wraps at 80
    columns there), timestamped, with the logger's name."""
    root = root or logging.getLogger()
    for handler in list(root.handlers):
        console = getattr(handler, "console", None)  # rich's handler and Kedro's
        if console is not None and not console.is_terminal:
            plain = logging.StreamHandler(console.file)
            plain.setLevel(handler.level)
            plain.setFormatter(logging.Formatter(PLAIN_FORMAT, PLAIN_DATE_FORMAT))
            root.removeHandler(handler)
            root.addHandler(plain)


class Repeats(logging.Filter):
    """Drops a record that repeats the previous one (same logger, level and message) within ``seconds``:
    kedro-mlflow says "The run … was closed because of an error" once per run it closes, the same run
    a dozen times over."""

    def __init__(self, seconds: float = 5.0) -> None:
        super().__init__()
        self.seconds, self._last, self._at = seconds, None, 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.getMessage())
        if key == self._last and record.created - self._at < self.seconds:
            return False
        self._last, self._at = key, record.created
        return True


def setup() -> None:
    """The project's logging on top of ``conf/logging.yml``: noise filtered, plain lines off a terminal,
    repeated lines dropped."""
    filter_noise()
    if not terminal():  # MLflow's download bars are rewritten in place: a log file gets one long line
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    plain_lines_off_terminal()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, Repeats) for f in handler.filters):
            handler.addFilter(Repeats())


def _console() -> Any | None:
    """The rich console Kedro's handler writes to (log lines then print above a live bar), if the root
    logger still has one."""
    for handler in logging.getLogger().handlers:
        console = getattr(handler, "console", None)
        if console is not None:
            return console
    return None


def shown_values(values: dict[str, float]) -> str:
    """``loss=0.5123 val_loss=0.4410``: scores as a log line shows them."""
    return " ".join(f"{k}={v:.4f}" for k, v in values.items())


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 12 min``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


_ROW: dict[str, str] = {}


def set_row(position: int | None = None, total: int | None = None) -> None:
    """Which row of the run trains now (set by ``hooks.ProgressHook`` before each training node);
    ``None`` clears it."""
    _ROW["label"] = f"variant {position}/{total}: " if position and total else ""


def current_row() -> str:
    """``variant 3/7: `` while the run trains its third of seven rows, else empty."""
    return _ROW.get("label", "")


class Progress:
    """Progress of ``total`` steps of one task (``None``: unknown until the end).

    ``advance(n, **values)`` after each step; ``close()`` at the end. In a terminal, one live bar with
    steps, elapsed time, ETA and ``values``; elsewhere ``log`` gets a line at most every
    ``LINE_SECONDS``, at the next tenth of the work: ``sentiment.gru epoch 2/10: 310/782 steps (40%),
    2 min 05 s elapsed, ETA 3 min 10 s, loss=0.5123``.
    """

    def __init__(
        self,
        task: str,
        total: int | None,
        *,
        log: logging.Logger = logger,
        interval: float = LINE_SECONDS,
        live: bool | None = None,
    ) -> None:
        self.task, self.total, self.log, self.interval = task, total, log, interval
        self.done = 0
        self.values: dict[str, float] = {}
        self.started = self.last_line = time.monotonic()
        self.next_tenth = 1
        self._bar = None
        enabled = progress_enabled()
        console = _console() if enabled else None  # a rich console is left only where it is a terminal
        if enabled and console is not None and (console.is_terminal if live is None else live):
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[values]}"),
                console=console,
                transient=True,
            )
            self._bar.start()
            self._id = self._bar.add_task(task, total=total, values="")
        self.quiet = not enabled

    def eta(self) -> float | None:
        """Seconds left at the pace so far, or ``None`` before the first step or without a total."""
        if not self.total or not self.done:
            return None
        return (time.monotonic() - self.started) / self.done * max(self.total - self.done, 0)

    def line(self) -> str:
        elapsed = duration(time.monotonic() - self.started)
        if self.total:
            share = f"{self.done}/{self.total} steps ({self.done / self.total:.0%})"
        else:
            share = f"{self.done} steps"
        eta = self.eta()
        parts = [f"{self.task}: {share}", f"{elapsed} elapsed"]
        if eta is not None:
            parts.append(f"ETA {duration(eta)}")
        if self.values:
            parts.append(shown_values(self.values))
        return ", ".join(parts)

    def advance(self, steps: int = 1, **values: float) -> None:
        """Count ``steps`` more done, with the latest ``values``."""
        self.done += steps
        self.values = {k: float(v) for k, v in values.items()}
        if self._bar is not None:
            self._bar.update(self._id, completed=self.done, values=shown_values(self.values))
            return
        if self.quiet:
            return
        now = time.monotonic()
        tenth = self.total and self.done * 10 >= self.next_tenth * self.total
        if tenth:
            self.next_tenth = self.done * 10 // self.total + 1
        due = now - self.last_line >= self.interval
        if due and (tenth or not self.total) and (not self.total or self.done < self.total):
            self.last_line = now
            self.log.info("%s", self.line())

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@contextmanager
def heartbeat(task: str, *, log: logging.Logger = logger, interval: float = LINE_SECONDS) -> Iterator[None]:
    """Log ``<task>: still running, <elapsed>`` every ``interval`` seconds while the block runs (a step
    that cannot count its own progress, such as a library's ``fit``), and its duration at the end when
    it ran longer than ``interval``."""
    if not progress_enabled():
        yield
        return
    stop = threading.Event()
    started = time.monotonic()

    def beat() -> None:
        while not stop.wait(interval):
            log.info("%s: still running, %s elapsed", task, duration(time.monotonic() - started))

    thread = threading.Thread(target=beat, name=f"heartbeat {task}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        took = time.monotonic() - started
        if took >= interval:
            log.info("%s: done in %s", task, duration(took))
