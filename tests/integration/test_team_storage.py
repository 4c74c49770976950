"""A team's set-up on real services started on loopback (``deploy.services``): data, models, champions,
reports, retraining records and locks on an S3 bucket (moto's S3 server, over HTTP), runs on an MLflow
server backed by PostgreSQL with artifacts proxied to the bucket. Two working copies that share no local
disk share a champion, a lock and the runs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.datasets.test_saved_model import CRASHES, crash_during_promotion
from tests.integration.conftest import TEAM_BUCKET, Team, TeamRuns, make_project_copy

pytestmark = pytest.mark.real_data
DOMAINS = ("sentiment", "forecasting", "text_generation")
REVIEW = "what a wonderful film"


def _local_files(project: Path) -> list[str]:
    return sorted(str(p.relative_to(project)) for p in (project / "data").rglob("*") if p.is_file())


def test_the_smoke_runs_pass_with_their_data_models_and_reports_in_the_bucket(team_runs: TeamRuns) -> None:
    for name, run in team_runs.runs.items():
        assert run.returncode == 0, f"{name}: {(run.stdout + run.stderr)[-3000:]}"
    objects = team_runs.team.objects("team/")
    for domain in DOMAINS:
        for key in (
            "08_reporting/{d}/comparison.csv",
            "08_reporting/{d}/blessing.json",
            "06_models/{d}/tokenizer.json",
        ):
            if domain != "forecasting" or "tokenizer" not in key:
                assert f"team/{key.format(d=domain)}" in objects, key.format(d=domain)
        assert f"team/06_models/{domain}/candidate/current.json" in objects
    for data in ("imdb_reviews.parquet", "temperatures.parquet", "text_corpus.txt"):
        assert f"team/02_intermediate/{data}" in objects
    assert "team/08_reporting/validation/imdb_reviews.html" in objects
    # the checkout received nothing: no data, no tracking store (runs are on the server)
    assert _local_files(team_runs.project) == []
    assert not (team_runs.project / "mlflow").exists()


def test_champions_are_versions_made_current_by_a_pointer(team_runs: TeamRuns) -> None:
    objects = team_runs.team.objects("team/06_models/")
    blessed = [d for d in DOMAINS if f"team/06_models/{d}/champion/current.json" in objects]
    assert "sentiment" in blessed and "text_generation" in blessed  # no champion before these runs
    for domain in blessed:
        versions = {k.split("/")[4] for k in objects if k.startswith(f"team/06_models/{domain}/champion/2")}
        assert len(versions) == 1
        (version,) = versions
        for name in ("saved_model.pb", "champion.json", "variables/variables.index"):
            assert f"team/06_models/{domain}/champion/{version}/{name}" in objects


def test_the_cron_retraining_keeps_its_records_in_the_bucket(team_runs: TeamRuns) -> None:
    assert (
        "retraining forecasting: changed: no successful retraining yet"
        in team_runs.runs["forecasting"].stdout
    )
    objects = team_runs.team.objects("team/08_reporting/retraining/")
    assert "team/08_reporting/retraining/forecasting.json" in objects
    assert not [k for k in objects if k.endswith(".lock")]  # every lease released


def test_a_second_copys_run_is_refused_at_once_naming_the_running_one(team_runs: TeamRuns) -> None:
    refused = team_runs.refused
    output = " ".join((refused.stdout + refused.stderr).split())  # Kedro's log wraps long lines
    assert refused.returncode != 0
    holder = f"host {socket.gethostname()}, pid {team_runs.holder_pid}, since "
    expected = f"Another run of 'sentiment' is running ({holder}"
    assert expected in output, output[-3000:]
    assert "run --pipelines=sentiment --env=smoke)" in output  # the holder's command
    assert "Running node" not in output
    assert _local_files(team_runs.other) == []


def rnn_pipelines(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``rnn-pipelines <args>`` as a user runs it in ``cwd`` with ``env``."""
    command = [sys.executable, "-m", "rnn_pipelines", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_a_second_copy_answers_from_the_champion_in_the_bucket(team_runs: TeamRuns) -> None:
    copy = rnn_pipelines("predict", "--json", REVIEW, cwd=team_runs.other, env=team_runs.other_env)
    assert copy.returncode == 0, copy.stderr[-3000:]
    answer = json.loads(copy.stdout)
    assert answer["text"] == REVIEW and 0 <= answer["probability"] <= 1
    assert _local_files(team_runs.other) == []  # the champion came through the local cache, not data/
    cached = list((Path(team_runs.other_env["RNN_PIPELINES_CACHE_DIR"]) / "models").rglob("saved_model.pb"))
    assert len(cached) == 1
    text = rnn_pipelines(
        "generate", "ROMEO:", "--length", "20", "--json", cwd=team_runs.other, env=team_runs.other_env
    )
    assert text.returncode == 0, text.stderr[-3000:]
    assert json.loads(text.stdout)["text"].startswith("ROMEO:")


def test_a_machine_that_never_ran_the_pipeline_answers_from_the_registry(
    team_runs: TeamRuns, tmp_path: Path
) -> None:
    """No project, no S3 credentials: the tracking server alone (its artifacts are proxied)."""
    env = {
        k: v
        for k, v in team_runs.other_env.items()
        if not k.startswith("AWS_") and k != "RNN_PIPELINES_DATA_ROOT"
    }
    env["RNN_PIPELINES_CACHE_DIR"] = str(tmp_path / "cache")
    model = "models:/rnn-pipelines-sentiment@champion"
    registry = rnn_pipelines("predict", "--json", "--model", model, REVIEW, cwd=tmp_path, env=env)
    assert registry.returncode == 0, registry.stderr[-3000:]
    from_bucket = rnn_pipelines("predict", "--json", REVIEW, cwd=team_runs.other, env=team_runs.other_env)
    assert json.loads(registry.stdout)["probability"] == pytest.approx(
        json.loads(from_bucket.stdout)["probability"], abs=1e-5
    )
    missing = rnn_pipelines(
        "predict", "--model", "models:/rnn-pipelines-sentiment@nosuchalias", REVIEW, cwd=tmp_path, env=env
    )
    assert missing.returncode == 2 and "models:/rnn-pipelines-sentiment@nosuchalias" in missing.stderr


def test_the_runs_are_on_the_server_with_artifacts_every_client_reaches(team_runs: TeamRuns) -> None:
    import mlflow

    from tests.integration.conftest import parent_run

    client = mlflow.MlflowClient(tracking_uri=team_runs.team.env["MLFLOW_TRACKING_URI"])
    experiment = client.get_experiment_by_name("rnn-pipelines")
    assert experiment.artifact_location.startswith("mlflow-artifacts:/")  # the server's proxied store
    runs = client.search_runs([experiment.experiment_id], max_results=500)
    parent = parent_run(runs, "sentiment")
    nested = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(nested) >= 6
    assert {a.path for a in client.list_artifacts(parent.info.run_id, "report")} >= {"report/comparison.md"}
    alias = client.get_model_version_by_alias("rnn-pipelines-sentiment", "champion")
    pointer = json.loads(team_runs.team.read("team/06_models/sentiment/champion/current.json"))
    record = json.loads(
        team_runs.team.read(f"team/06_models/sentiment/champion/{pointer['version']}/champion.json")
    )
    assert (
        int(alias.version) == record["registered_version"] and record["mlflow_run_id"] == parent.info.run_id
    )
    retraining = [r for r in runs if r.data.tags.get("retraining") == "true"]
    assert retraining and retraining[0].data.tags["retraining.outcome"] == "retrained"


@pytest.fixture
def on_the_bucket(team: Team, monkeypatch: pytest.MonkeyPatch) -> Team:
    """This process talks to the team's S3 server, as a team member's shell does."""
    for key, value in team.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MLFLOW_TRACKING_URI")  # nothing here is tracked
    return team


@pytest.mark.parametrize("step", sorted(CRASHES))
def test_a_crash_at_any_step_of_a_promotion_on_s3_leaves_a_whole_champion(
    on_the_bucket: Team, step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNN_PIPELINES_CACHE_DIR", str(tmp_path / "cache"))
    crash_during_promotion(f"s3://{TEAM_BUCKET}/crashes/{step}/champion", step, tmp_path, monkeypatch)


def test_a_lease_left_by_a_killed_run_is_taken_over_once_stale(on_the_bucket: Team, caplog) -> None:
    import logging

    from rnn_pipelines.datasets.locks import LockHeldError, hold

    url = f"s3://{TEAM_BUCKET}/leases/forecasting.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom rnn_pipelines.datasets.locks import hold\n"
            f"with hold({url!r}, lease_seconds=3):\n    print('held', flush=True)\n    time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        time.sleep(4)  # longer than the lease: the live holder has renewed it meanwhile
        with pytest.raises(LockHeldError, match=rf"host {socket.gethostname()}, pid {holder.pid}, since "):
            with hold(url, lease_seconds=3):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)  # no release: its lease stays in the bucket
        holder.wait(timeout=30)
    assert "leases/forecasting.lock" in on_the_bucket.objects("leases/")
    with caplog.at_level(logging.WARNING, logger="rnn_pipelines.datasets.locks"):
        with hold(url, lease_seconds=3, wait_seconds=30):
            pass
    assert "Took over the stale lease" in caplog.text and f"pid {holder.pid}, " in caplog.text
    assert "leases/forecasting.lock" not in on_the_bucket.objects("leases/")  # released


def test_an_airflow_runs_tasks_share_its_lease_and_its_last_task_releases_it(on_the_bucket: Team) -> None:
    from rnn_pipelines.datasets.locks import LockHeldError, hold, release

    url = f"s3://{TEAM_BUCKET}/leases/sentiment.lock"
    run_1, run_2 = "Airflow run rnn_pipelines_sentiment/run-1", "Airflow run rnn_pipelines_sentiment/run-2"
    with hold(url, lease_seconds=30, owner=run_1, keep=True):  # the check takes it and keeps it
        pass
    assert "leases/sentiment.lock" in on_the_bucket.objects("leases/")
    with hold(url, lease_seconds=30, owner=run_1, keep=True):  # two tasks of the run side by side: both join
        with hold(url, lease_seconds=30, owner=run_1, keep=True):
            with pytest.raises(LockHeldError, match="Airflow run rnn_pipelines_sentiment/run-1; host "):
                with hold(url, lease_seconds=30, owner=run_2):  # another run (or a manual one) waits
                    pass
    assert not release(url, run_2)  # only its own run releases it
    assert "leases/sentiment.lock" in on_the_bucket.objects("leases/")
    assert release(url, run_1)
    assert "leases/sentiment.lock" not in on_the_bucket.objects("leases/")
    with hold(url, lease_seconds=30, owner=run_2):
        pass


def _unreachable() -> str:
    from tests.integration.conftest import free_port

    return f"http://127.0.0.1:{free_port()}"


ROOT = "data_root (RNN_PIPELINES_DATA_ROOT)"
BAD_SETTINGS = {
    "unknown scheme": (
        {"RNN_PIPELINES_DATA_ROOT": "nosuch://bucket/team"},
        f"{ROOT} = 'nosuch://bucket/team': unknown storage scheme 'nosuch://'",
    ),
    "unreachable endpoint": (
        {"AWS_ENDPOINT_URL": "UNREACHABLE"},
        f"{ROOT} = 's3://rnn-team/bad': the S3 endpoint UNREACHABLE cannot be reached",
    ),
    "missing bucket": (
        {"RNN_PIPELINES_DATA_ROOT": "s3://no-such-bucket/team"},
        f"{ROOT} = 's3://no-such-bucket/team': the bucket 'no-such-bucket' does not exist at ",
    ),
    "missing credentials": (
        {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
        f"{ROOT} = 's3://rnn-team/bad': no S3 credentials found",
    ),
    "unreachable tracking server": (
        {"MLFLOW_TRACKING_URI": "UNREACHABLE"},
        "MLFLOW_TRACKING_URI = 'UNREACHABLE': the MLflow server cannot be reached",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SETTINGS))
def test_a_bad_setting_stops_the_run_before_any_node_in_one_sentence(
    team: Team, case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    changes, expected = BAD_SETTINGS[case]
    unreachable = _unreachable()
    env = {**team.env, "RNN_PIPELINES_DATA_ROOT": f"s3://{TEAM_BUCKET}/bad"}
    env |= {k: v.replace("UNREACHABLE", unreachable) if v else v for k, v in changes.items()}
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))  # no profile to fall back on
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("RNN_PIPELINES_CACHE_DIR", str(tmp_path / "cache"))
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()  # a file system made by an earlier test keeps its credentials
    project = make_project_copy(tmp_path)
    before = team.objects()
    bootstrap_project(project)
    monkeypatch.chdir(project)
    started = time.monotonic()
    with KedroSession.create(project_path=project, env="smoke") as session:
        with pytest.raises(Exception) as raised:
            session.run(pipeline_names=["forecasting"])
    message = str(raised.value).replace(unreachable, "UNREACHABLE")
    assert message.startswith(expected), message
    assert "\n" not in message.strip()
    assert time.monotonic() - started < 60  # no retrying for minutes
    assert team.objects() == before and _local_files(project) == []
    assert os.environ.get("MLFLOW_TRACKING_URI") == env.get("MLFLOW_TRACKING_URI")


def test_a_fit_cut_short_resumes_on_another_machine_from_the_bucket(
    on_the_bucket: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    """The resume state goes to the bucket after every epoch: a fit killed in its second epoch on one
    machine (one local cache) resumes from its first on another (an empty cache), then leaves nothing."""
    import logging

    from rnn_pipelines.models import training
    from tests.models.test_training import build, crashing_data, tiny_data

    url = f"s3://{TEAM_BUCKET}/checkpoints"
    settings = {"epochs": 3, "seed": 1, "early_stopping_patience": 5, "checkpoint_dir": url}
    monkeypatch.setenv("RNN_PIPELINES_CACHE_DIR", str(tmp_path / "first-machine"))
    with pytest.raises(Exception, match="killed"):
        training.fit("v", build, crashing_data(6), tiny_data(1), settings)  # dies in epoch 2
    assert "checkpoints/v/current.json" in on_the_bucket.objects("checkpoints/")
    monkeypatch.setenv("RNN_PIPELINES_CACHE_DIR", str(tmp_path / "second-machine"))
    with caplog.at_level(logging.INFO, logger="rnn_pipelines.models.training"):
        _, curves, _ = training.fit("v", build, tiny_data(0), tiny_data(1), settings)
    assert f"v: resuming from its last finished epoch, 1 of 3 (resume state in {url}/v)" in caplog.text
    assert len(curves["val_loss"]) == 2  # epochs 2 and 3 only
    assert on_the_bucket.objects("checkpoints/") == {}  # the finished fit's resume state is gone
