"""`rnn-pipelines retrain` (the cron path) on the smoke forecasting pipeline: the lock, and a crash that
leaves the champion and the last successful fingerprint alone."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import current_version
from tests.integration.conftest import assert_one_message, kedro, make_project_copy, quiet_env

COMMAND = [sys.executable, "-m", "rnn_pipelines", "retrain", "forecasting", "--env", "smoke"]


def start(project: Path, name: str, command: list[str] = COMMAND) -> tuple[subprocess.Popen, Path, Path]:
    """Start a retraining (or ``command``) with its output in files (a full pipe would stall it)."""
    env = quiet_env()
    out, err = project.parent / f"{name}.out", project.parent / f"{name}.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, cwd=project, env=env, stdout=stdout, stderr=stderr, text=True)
    return process, out, err


def finish(started: tuple[subprocess.Popen, Path, Path]) -> tuple[int, str, str]:
    process, out, err = started
    return process.wait(timeout=1200), out.read_text(), err.read_text()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project_copy(tmp_path_factory.mktemp("retrain"))


def test_two_retrainings_started_together_one_runs_the_other_refuses(project: Path) -> None:
    first = start(project, "first")
    lock = project / "data/08_reporting/retraining/forecasting.holder"
    deadline = time.monotonic() + 300
    while not lock.exists() and first[0].poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    second = start(project, "second")
    # a plain `kedro run` of the same pipeline takes the same lock: it refuses at once, naming the holder
    # (started once the first has opened its MLflow run: two processes creating a new SQLite store at
    # the same moment race in MLflow's schema set-up, whatever the lock)
    state_file = project / "data/08_reporting/retraining/forecasting.json"
    while first[0].poll() is None and time.monotonic() < deadline:
        if state_file.exists() and json.loads(state_file.read_text()).get("pending"):
            break
        time.sleep(0.2)
    manual = kedro(project, "run", "--pipelines=forecasting_training", "--env=smoke", timeout=300)
    (first_rc, first_out, first_err), (second_rc, _, second_err) = finish(first), finish(second)
    assert first_rc == 0, first_err[-3000:]
    assert "retraining forecasting: changed: no successful retraining yet" in first_out
    assert second_rc == 3 and "Another retraining of 'forecasting' is running (host " in second_err
    refusal = manual.stdout + manual.stderr
    # exit 3 (refused), the message alone naming the holder's command, no traceback
    assert_one_message(
        manual, 3, "Another run of 'forecasting' is running (host ", "retrain forecasting --env smoke"
    )
    assert "Running node" not in refusal  # refused before any node ran
    champion = project / "data/06_models/forecasting/champion"
    if (champion / "current.json").exists():  # blessed only when it beat persistence: whole, never half
        assert json.loads((current_version(champion) / "champion.json").read_text())["variant"]
        assert (current_version(champion) / "saved_model.pb").exists()
    state = json.loads((project / "data/08_reporting/retraining/forecasting.json").read_text())
    assert [h["outcome"] for h in state["history"]] == ["retrained"] and not lock.exists()


def test_runs_of_two_different_pipelines_run_side_by_side(project: Path) -> None:
    # the store exists by now (the first test made it): two domains share it, each with its own lock
    started_ms = int(time.time() * 1000)
    runs = {
        pipeline: start(
            project,
            pipeline,
            [sys.executable, "-m", "kedro", "run", f"--pipelines={pipeline}", "--env=smoke"],
        )
        for pipeline in ("forecasting", "text_generation")
    }
    deadline = time.monotonic() + 300
    holders = [project / f"data/08_reporting/retraining/{pipeline}.holder" for pipeline in runs]
    both_held = False
    while not both_held and time.monotonic() < deadline and all(r[0].poll() is None for r in runs.values()):
        both_held = all(holder.exists() for holder in holders)
        time.sleep(0.1)
    finished = {pipeline: finish(started) for pipeline, started in runs.items()}
    for pipeline, (returncode, out, err) in finished.items():
        assert returncode == 0, f"{pipeline}: {(out + err)[-3000:]}"
        assert "Another run of" not in out + err
    assert both_held  # each took its own pipeline's lock while the other held its own
    assert not any(holder.exists() for holder in holders)
    import sqlite3

    with sqlite3.connect(project / "mlflow/mlflow.db") as connection:
        statuses = connection.execute(
            "select t.value, r.status from runs r join tags t on t.run_uuid = r.run_uuid"
            " where t.key = 'pipeline_names' and r.start_time >= ? and r.run_uuid not in"
            " (select run_uuid from tags where key = 'mlflow.parentRunId')",
            (started_ms,),
        ).fetchall()
    assert sorted(statuses) == [("['forecasting']", "FINISHED"), ("['text_generation']", "FINISHED")]


def test_a_training_crash_leaves_the_champion_and_the_last_fingerprint(project: Path) -> None:
    champion = project / "data/06_models/forecasting/champion"
    state_file = project / "data/08_reporting/retraining/forecasting.json"

    def files() -> dict[str, bytes]:
        return {str(p.relative_to(champion)): p.read_bytes() for p in champion.rglob("*") if p.is_file()}

    before_champion, before_state = files(), json.loads(state_file.read_text())
    broken = project / "conf/base/parameters_forecasting.yml"  # smoke shrinks base's variants
    broken.write_text(broken.read_text().replace("{type: GRU, units: 64}", "{type: GRU}"))
    returncode, _, err = finish(start(project, "broken"))
    assert returncode == 2 and "retraining of forecasting failed, champion unchanged" in err  # a mistake
    assert "variant 'gru': layers[0] (GRU) is missing ['units']" in err
    assert files() == before_champion
    state = json.loads(state_file.read_text())
    assert state["last_success"] == before_state["last_success"] and state["pending"] is None
    assert (
        state["history"][-1]["outcome"] == "failed" and "missing ['units']" in state["history"][-1]["error"]
    )
