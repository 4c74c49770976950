"""Progress lines, heartbeats, plain lines off a terminal, repeated lines and filtered warnings."""

from __future__ import annotations

import logging
import warnings

import pytest

from rnn_pipelines import logs


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(logs.time, "monotonic", clock)
    return clock


def test_a_progress_line_at_most_every_interval_and_only_at_a_tenth(clock: Clock, caplog) -> None:
    caplog.set_level(logging.INFO, logger=logs.__name__)
    progress = logs.Progress("sentiment.gru epoch 2/10", 100, interval=30, live=False)
    for _ in range(100):
        clock.now += 1  # 1 s a step: a line every 30 s, each at a tenth
        progress.advance(1, loss=0.5)
    progress.close()
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "sentiment.gru epoch 2/10: 30/100 steps (30%), 30 s elapsed, ETA 1 min 10 s, loss=0.5000",
        "sentiment.gru epoch 2/10: 60/100 steps (60%), 1 min 00 s elapsed, ETA 40 s, loss=0.5000",
        "sentiment.gru epoch 2/10: 90/100 steps (90%), 1 min 30 s elapsed, ETA 10 s, loss=0.5000",
    ]


def test_a_fast_task_logs_no_progress_line_and_an_unknown_total_still_reports(clock: Clock, caplog) -> None:
    caplog.set_level(logging.INFO, logger=logs.__name__)
    fast = logs.Progress("fast", 50, interval=30, live=False)
    for _ in range(50):
        clock.now += 0.1
        fast.advance()
    unknown = logs.Progress("reading", None, interval=30, live=False)
    for _ in range(4):
        clock.now += 20
        unknown.advance()
    assert [r.getMessage() for r in caplog.records] == [
        "reading: 2 steps, 40 s elapsed",
        "reading: 4 steps, 1 min 20 s elapsed",
    ]


def test_progress_is_quiet_by_configuration(clock: Clock, caplog, monkeypatch) -> None:
    import time

    monkeypatch.setenv(logs.PROGRESS_VARIABLE, "off")
    caplog.set_level(logging.INFO, logger=logs.__name__)
    progress = logs.Progress("quiet", 10, interval=0, live=True)
    for _ in range(10):
        clock.now += 60
        progress.advance()
    with logs.heartbeat("quiet", interval=0.01):
        time.sleep(0.05)
    assert caplog.records == []


def test_a_heartbeat_says_the_step_is_still_running(caplog) -> None:
    import time

    caplog.set_level(logging.INFO, logger=logs.__name__)
    with logs.heartbeat("nbsvm: fitting", interval=0.05):
        time.sleep(0.3)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "nbsvm: fitting: still running, 0 s elapsed"
    assert len(messages) >= 2 and messages[-1] == "nbsvm: fitting: done in 0 s"


def test_durations_read_as_a_person_says_them() -> None:
    assert [logs.duration(s) for s in (4.4, 59.6, 61, 3599, 3600 * 2 + 65)] == [
        "4 s",
        "1 min 00 s",
        "1 min 01 s",
        "59 min 59 s",
        "2 h 01 min",
    ]


def test_off_a_terminal_kedros_rich_handler_becomes_plain_whole_lines_on_the_same_stream() -> None:
    import io

    from kedro.logging import RichHandler
    from rich.console import Console

    stream = io.StringIO()  # `kedro run > run.log`: the handler's stream is a file
    root = logging.Logger("test-root")
    root.addHandler(RichHandler(console=Console(file=stream)))
    logs.plain_lines_off_terminal(root)
    (handler,) = root.handlers
    assert type(handler) is logging.StreamHandler and handler.stream is stream
    message = "params:sentiment.variants.bigru_pool " * 5
    root.info(message)
    line = stream.getvalue()
    assert line.endswith(f"INFO test-root: {message}\n") and line.count("\n") == 1


def test_in_a_terminal_the_rich_handler_stays() -> None:
    from kedro.logging import RichHandler
    from rich.console import Console

    root = logging.Logger("test-root")
    rich = RichHandler(console=Console(force_terminal=True))
    root.addHandler(rich)
    logs.plain_lines_off_terminal(root)
    assert root.handlers == [rich]


def test_a_repeated_line_is_dropped_once_within_seconds() -> None:
    repeats = logs.Repeats(seconds=5)

    def record(message: str, at: float) -> logging.LogRecord:
        made = logging.LogRecord("kedro_mlflow", logging.INFO, __file__, 1, message, None, None)
        made.created = at
        return made

    kept = [
        repeats.filter(record(m, t))
        for m, t in [("closed", 0), ("closed", 1), ("closed", 2), ("other", 3), ("closed", 4), ("closed", 20)]
    ]
    assert kept == [True, False, False, True, True, True]


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("register_new_resolver() is deprecated and will be removed", UserWarning),
        ("\x1b[33mAdd type hints to the `predict` method to enable data validation", UserWarning),
        (
            "The specified dataset source can be interpreted in multiple ways: "
            "LocalArtifactDatasetSource, LocalArtifactDatasetSource. MLflow will assume",
            UserWarning,
        ),
    ],
)
def test_dependencies_noise_is_filtered_and_the_rest_is_not(message: str, category: type[Warning]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logs.filter_noise()
        warnings.warn(message, category, stacklevel=1)
        warnings.warn(
            "The specified dataset source can be interpreted in multiple ways: A, B.",
            UserWarning,
            stacklevel=1,
        )
        warnings.warn("a warning of the project's own", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == [
        "The specified dataset source can be interpreted in multiple ways: A, B.",
        "a warning of the project's own",
    ]


def test_the_projects_pyfunc_models_raise_no_mlflow_type_hint_warning() -> None:
    import importlib
    import sys

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("mlflow_text_classifier", "mlflow_text_generator", "mlflow_forecaster"):
            module = f"rnn_pipelines.serving.{name}"
            sys.modules.pop(module, None)
            importlib.import_module(module)
    assert [str(w.message) for w in caught if "type hint" in str(w.message).lower()] == []
