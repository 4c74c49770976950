"""Change detection, the retraining state file and the per-pipeline lock (no training here)."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from rnn_pipelines import retraining
from rnn_pipelines.retraining import RetrainingError, State

TABLE = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=3), "temp_c": [1.0, 2.0, 3.0]})
PARAMETERS = {"forecasting": {"training": {"epochs": 2}}, "temperatures_ingestion": {}, "sentiment": {"x": 1}}


def test_fingerprint_changes_with_data_and_the_pipeline_parameters_only() -> None:
    base = retraining.fingerprint("forecasting", TABLE, PARAMETERS)
    assert retraining.changes(base, base) == []
    assert retraining.changes(base, None) == ["no successful retraining yet"]
    edited = TABLE.assign(temp_c=[1.0, 2.0, 3.5])
    assert retraining.changes(retraining.fingerprint("forecasting", edited, PARAMETERS), base) == ["data"]
    retuned = {**PARAMETERS, "forecasting": {"training": {"epochs": 3}}}
    assert retraining.changes(retraining.fingerprint("forecasting", TABLE, retuned), base) == ["parameters"]
    other_pipeline = {**PARAMETERS, "sentiment": {"x": 2}}  # another pipeline's settings do not count
    assert retraining.changes(retraining.fingerprint("forecasting", TABLE, other_pipeline), base) == []
    assert retraining.changes({**base, "code_sha256": "0" * 64}, base) == ["code"]


def test_code_fingerprint_covers_the_package_sources() -> None:
    assert len(retraining.code_sha256()) == 64 and retraining.code_sha256() == retraining.code_sha256()


def test_unknown_pipeline_is_named() -> None:
    with pytest.raises(RetrainingError, match="Unknown pipeline 'poetry'"):
        retraining.fingerprint("poetry", TABLE, PARAMETERS)


def test_state_is_written_atomically_and_a_corrupt_file_is_named(tmp_path: Path) -> None:
    state = State(str(tmp_path), "sentiment")
    path = tmp_path / "08_reporting" / "retraining" / "sentiment.json"
    assert state.url == str(path)
    assert state.load() == {"last_success": None, "pending": None, "history": []}
    state.save({"last_success": None, "pending": None, "history": [{"n": i} for i in range(80)]})
    saved = json.loads(path.read_text())
    assert len(saved["history"]) == retraining.HISTORY_LENGTH and saved["history"][-1] == {"n": 79}
    assert [p.name for p in path.parent.iterdir()] == ["sentiment.json"]  # no temporary file left
    path.write_text("{not json")
    with pytest.raises(RetrainingError, match=r"sentiment\.json' is not valid JSON"):
        state.load()


def test_a_second_retraining_refuses_while_one_holds_the_lock(tmp_path: Path) -> None:
    with retraining.locked(str(tmp_path), "forecasting"):
        with pytest.raises(
            RetrainingError, match=r"Another retraining of 'forecasting' is running \(host .+, pid \d+"
        ):
            with retraining.locked(str(tmp_path), "forecasting"):
                pass
        with retraining.locked(str(tmp_path), "sentiment"):  # other pipelines are not blocked
            pass
    with retraining.locked(str(tmp_path), "forecasting"):  # released afterwards
        pass


def test_a_second_retraining_can_wait_for_the_first(tmp_path: Path) -> None:
    order = []

    def first() -> None:
        with retraining.locked(str(tmp_path), "forecasting"):
            order.append("first holds")
            time.sleep(1.0)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    with retraining.locked(str(tmp_path), "forecasting", wait_seconds=30):
        order.append("second holds")
    thread.join()
    assert order == ["first holds", "first done", "second holds"]


class _Node:
    def __init__(self, namespace: str | None) -> None:
        self.namespace = namespace


class _Pipeline:
    def __init__(self, *namespaces: str | None) -> None:
        self.nodes = [_Node(n) for n in namespaces]


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A project copy with its data root in its own ``data/``."""
    from tests.integration.conftest import make_project_copy

    monkeypatch.delenv("RNN_PIPELINES_DATA_ROOT", raising=False)
    return make_project_copy(tmp_path)


def test_kedro_run_takes_the_lock_of_each_domain_it_runs_and_releases_it(project: Path) -> None:
    from rnn_pipelines.hooks import PipelineLockHook

    root = str(project / "data")
    hook = PipelineLockHook()
    run = {"project_path": str(project)}
    hook.before_pipeline_run(run, _Pipeline(None, "forecasting", "forecasting.gru"), None)
    assert retraining.held_here(root, "forecasting") and not retraining.held_here(root, "sentiment")
    assert (project / "data/08_reporting/retraining/forecasting.lock").exists()  # under the data root
    with pytest.raises(
        RetrainingError, match=r"Another run of 'forecasting' is running \(host .+, pid \d+, since .+: "
    ):
        with retraining.locked(root, "forecasting", kind="run"):  # what another process meets
            pass
    other = PipelineLockHook()  # another domain runs side by side
    other.before_pipeline_run(run, _Pipeline("sentiment.lstm"), None)
    other.after_pipeline_run()
    hook.on_pipeline_error()  # released when the run fails, too
    with retraining.locked(root, "forecasting"):
        pass


def test_a_retraining_runs_its_own_session_under_the_lock_it_holds(project: Path) -> None:
    from rnn_pipelines.hooks import PipelineLockHook

    root = str(project / "data")
    with retraining.locked(root, "forecasting"):
        hook = PipelineLockHook()
        hook.before_pipeline_run({"project_path": str(project)}, _Pipeline("forecasting.gru"), None)
        hook.after_pipeline_run()
        assert retraining.held_here(root, "forecasting")  # still the retraining's
    assert not retraining.held_here(root, "forecasting")


def test_a_killed_run_leaves_a_lock_the_next_run_takes_over(tmp_path: Path, caplog) -> None:
    import os
    import signal
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from rnn_pipelines import retraining\n"
            f"with retraining.locked({str(tmp_path)!r}, 'forecasting'):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(RetrainingError, match=r"Another retraining of 'forecasting' is running \(host "):
        with retraining.locked(str(tmp_path), "forecasting"):
            pass
    os.kill(holder.pid, signal.SIGKILL)  # no clean-up: its .holder file stays behind
    holder.wait(timeout=30)
    stale = tmp_path / "08_reporting/retraining/forecasting.holder"
    assert f"pid {holder.pid}, " in stale.read_text()
    with caplog.at_level(logging.WARNING, logger="rnn_pipelines.datasets.locks"):
        with retraining.locked(str(tmp_path), "forecasting"):
            assert f"pid {os.getpid()}, " in stale.read_text()
    assert "Took over the stale lock" in caplog.text and f"pid {holder.pid}, since" in caplog.text


@pytest.mark.parametrize("value", ["abc", "-1", "nan"])
def test_a_malformed_lock_wait_is_named(monkeypatch, value: str) -> None:
    monkeypatch.setenv("RNN_PIPELINES_LOCK_WAIT", value)
    with pytest.raises(
        RetrainingError, match=rf"RNN_PIPELINES_LOCK_WAIT='{value}': expected a number of seconds"
    ):
        retraining.lock_wait_seconds()
