"""The forecasting DAG on a real Airflow 3 cluster on loopback (``deploy/local-cluster``): PostgreSQL,
Redis, ``CeleryExecutor``, the API server, scheduler and DAG processor, and two Celery workers, each in a
working copy of its own, sharing only the S3 bucket, the MLflow server, the Airflow database and the broker.

One DAG run trains the variants side by side on both workers; one worker is killed (``SIGKILL`` to its
whole process group, as a lost machine) while a variant trains on it, and that task is retried on the other
worker, resuming from its last finished epoch (its resume state on the bucket). A second run triggered
meanwhile waits (``max_active_runs``), then skips (nothing changed). Bad data in the bucket fails a third
run at validation and leaves the champion as it was."""

from __future__ import annotations

import atexit
import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("airflow", reason="the Airflow extra is not installed (uv sync --extra airflow)")
pytest.importorskip("s3fs", reason="the team extra is not installed (uv sync --extra team)")

DAG = "rnn_pipelines_forecasting"
PREFIX = "rnn-pipelines"
SOURCE = "raw/temperatures.csv"  # the data source: a station file in the bucket
EPOCHS = 40  # each variant's (~0.5 s each): long enough for two to train at once and one to be killed
VARIANTS = ["gru", "lstm"]  # of conf/base: two train side by side, one on each worker


@dataclass
class Cluster:
    state: dict[str, Any]

    @property
    def api(self) -> str:
        return self.state["api"]

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        import requests

        response = requests.request(method, f"{self.api}/api/v2/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def trigger(self) -> str:
        return self.request("POST", f"dags/{DAG}/dagRuns", json={"logical_date": None})["dag_run_id"]

    def run(self, run_id: str) -> dict[str, Any]:
        return self.request("GET", f"dags/{DAG}/dagRuns/{run_id}")

    def tasks(self, run_id: str) -> list[dict[str, Any]]:
        return self.request("GET", f"dags/{DAG}/dagRuns/{run_id}/taskInstances", params={"limit": 100})[
            "task_instances"
        ]

    def wait(self, run_id: str, timeout: float = 900) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (run := self.run(run_id))["state"] not in ("success", "failed"):
            assert time.monotonic() < deadline, f"{run_id} still {run['state']} after {timeout:.0f} s"
            time.sleep(3)
        return run

    def s3(self) -> Any:
        import boto3

        env = self.state["env"]
        return boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_DEFAULT_REGION"],
        )

    def objects(self, prefix: str = PREFIX) -> dict[str, str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket="rnn-cluster", Prefix=prefix)
        return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}

    def read(self, key: str) -> str:
        return self.s3().get_object(Bucket="rnn-cluster", Key=key)["Body"].read().decode()

    def put(self, key: str, text: str) -> None:
        self.s3().put_object(Bucket="rnn-cluster", Key=key, Body=text.encode())


def station_csv(bad: bool = False) -> str:
    """Two years of daily minima (the smoke series' shape); ``bad``: three impossible readings."""
    from rnn_pipelines.datasets.temperatures import synthetic_series

    frame = synthetic_series(days=730, start="2000-01-01", seed=7, mean=12.0, amplitude=6.0)
    values = frame["value"].round(1).astype(str).tolist()
    if bad:
        values[100:103] = ["99.0"] * 3
    rows = [f"{day:%Y-%m-%d},{value}" for day, value in zip(frame["date"], values, strict=True)]
    return "\n".join(["Date,Temp", *rows]) + "\n"


def cluster_conf() -> dict[str, str]:
    """The configuration deployed to every copy: the station file in the bucket as the data source, two of
    the variants (no ensemble), each trained long enough to train side by side and to be killed after its
    first epochs."""
    import yaml

    from deploy.project import ROOT

    base = yaml.safe_load((ROOT / "conf/base/parameters_forecasting.yml").read_text())
    forecasting = base["forecasting"]
    forecasting["variants"] = {v: forecasting["variants"][v] for v in VARIANTS}
    forecasting["ensembles"] = {}
    smoke = (ROOT / "conf/smoke/parameters_forecasting.yml").read_text()
    return {
        "conf/smoke/globals.yml": "sources:\n  temperatures:\n    source: csv\n    csv:\n"
        f"      filepath: s3://rnn-cluster/{SOURCE}\n      date_column: Date\n      value_column: Temp\n",
        "conf/base/parameters_forecasting.yml": yaml.safe_dump(base, sort_keys=False),
        "conf/smoke/parameters_forecasting.yml": smoke.replace(
            "epochs: 2", f"epochs: {EPOCHS}\n    early_stopping_patience: {EPOCHS}"
        ),
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    from deploy.cluster import down, up

    folder = tmp_path_factory.mktemp("cluster")
    atexit.register(down, folder)  # a second Ctrl-C can cut pytest's teardown short; `down` runs once
    try:
        # a retry after 3 s rather than 10 minutes: the test waits for it
        state = up(folder, pipelines=("forecasting",), dag_params={"retry_delay": 0.05}, conf=cluster_conf())
        cluster = Cluster(state)
        cluster.put(SOURCE, station_csv())
        yield cluster
    finally:
        down(folder)


def _variant(task_id: str) -> str:
    """``forecasting-stacked-lstm-train-forecaster-…`` → ``stacked_lstm``."""
    return next(
        v
        for v in sorted(VARIANTS, key=len, reverse=True)
        if task_id.startswith(f"forecasting-{v.replace('_', '-')}-")
    )


def _kill_the_worker_training(cluster: Cluster, run_id: str) -> dict[str, Any]:
    """Once a variant's resume state is on the bucket (an epoch finished) while another variant trains on the
    other worker, kill the worker that trains it: SIGKILL to its whole process group, as a lost machine.
    Returns the variant, the worker killed, when, and the training tasks seen running side by side then."""
    deadline = time.monotonic() + 600
    while True:
        assert time.monotonic() < deadline, "no two variants trained side by side"
        running = [
            t
            for t in cluster.tasks(run_id)
            if "-train-forecaster-" in t["task_id"] and t["state"] == "running"
        ]
        checkpoints = cluster.objects(f"{PREFIX}/06_models/forecasting/checkpoints/")
        for task in running:
            resumed = _variant(task["task_id"])
            beside = [t for t in running if t["hostname"] not in ("", None, task["hostname"])]
            pointer = f"{PREFIX}/06_models/forecasting/checkpoints/forecasting.{resumed}/current.json"
            if task["hostname"] and beside and pointer in checkpoints:
                killed_at = datetime.now(UTC).isoformat()
                os.killpg(cluster.state["workers"][task["hostname"]]["pid"], signal.SIGKILL)
                return {
                    "resumed": resumed,
                    "killed": task["hostname"],
                    "killed_at": killed_at,
                    "side_by_side": {t["task_id"]: t["hostname"] for t in [task, *beside]},
                }
        time.sleep(0.5)


@pytest.fixture(scope="module")
def runs(cluster: Cluster) -> dict[str, Any]:
    """Run 1 (a worker killed mid-training), run 2 triggered while it runs, run 3 on bad data."""
    started = time.monotonic()
    first = cluster.trigger()
    second = cluster.trigger()
    kill = _kill_the_worker_training(cluster, first)
    second_while_first_ran = cluster.run(second)["state"]
    first_run = cluster.wait(first)
    second_run = cluster.wait(second)
    champion = cluster.objects(f"{PREFIX}/06_models/forecasting/champion/current.json")
    cluster.put(SOURCE, station_csv(bad=True))
    third_run = cluster.wait(cluster.trigger())
    return {
        "first": first_run,
        "first_tasks": cluster.tasks(first),
        "second": second_run,
        "second_tasks": cluster.tasks(second),
        "second_while_first_ran": second_while_first_ran,
        "third": third_run,
        "third_tasks": cluster.tasks(third_run["dag_run_id"]),
        **kill,
        "champion_before_third": champion,
        "seconds": time.monotonic() - started,
    }


def test_a_run_trains_the_variants_side_by_side_on_both_workers(
    cluster: Cluster, runs: dict[str, Any]
) -> None:
    assert runs["first"]["state"] == "success", runs["first"]
    tasks = runs["first_tasks"]
    assert {t["state"] for t in tasks} == {"success"}
    assert {t["hostname"] for t in tasks} == {"worker-a", "worker-b"}
    training = [t for t in tasks if "-train-forecaster-" in t["task_id"]]
    assert len(training) == len(VARIANTS)  # each variant's training is a task of its own
    # two variants were seen training at once, one on each worker, and their spans say so
    side_by_side = runs["side_by_side"]
    assert len(side_by_side) >= 2 and set(side_by_side.values()) == {"worker-a", "worker-b"}
    first_try = cluster.request(
        "GET",
        f"dags/{DAG}/dagRuns/{runs['first']['dag_run_id']}/taskInstances/"
        f"{next(t for t in side_by_side if _variant(t) == runs['resumed'])}/tries",
    )["task_instances"][0]
    assert first_try["hostname"] == runs["killed"] and first_try["start_date"] < runs["killed_at"]
    beside = [
        t for t in training if t["task_id"] in side_by_side and _variant(t["task_id"]) != runs["resumed"]
    ]
    assert all(t["start_date"] < runs["killed_at"] < t["end_date"] for t in beside)


def test_a_task_of_a_killed_worker_resumes_on_the_other_from_its_last_epoch(
    cluster: Cluster, runs: dict[str, Any]
) -> None:
    resumed = runs["resumed"]
    (task,) = [
        t
        for t in runs["first_tasks"]
        if "-train-forecaster-" in t["task_id"] and _variant(t["task_id"]) == resumed
    ]
    survivor = ({"worker-a", "worker-b"} - {runs["killed"]}).pop()
    assert task["try_number"] == 2 and task["hostname"] == survivor
    logs = Path(cluster.state["workers"][survivor]["logs"])
    (log,) = logs.glob(
        f"dag_id={DAG}/run_id={runs['first']['dag_run_id']}/task_id={task['task_id']}/attempt=2.log"
    )
    printed = " ".join(json.loads(line).get("event") or "" for line in log.read_text().splitlines())
    assert f"forecasting.{resumed}: resuming from its" in " ".join(printed.split())
    # not from scratch: the retried fit ran only the epochs the killed one had not finished
    metrics = json.loads(cluster.read(f"{PREFIX}/08_reporting/forecasting/{resumed}/metrics.json"))
    assert 1 <= EPOCHS - metrics["epochs_run"] < EPOCHS


def test_the_run_leaves_its_results_in_the_bucket_and_nothing_on_the_workers(cluster: Cluster) -> None:
    objects = cluster.objects()
    for key in ("08_reporting/forecasting/comparison.md", "06_models/forecasting/champion/current.json"):
        assert f"{PREFIX}/{key}" in objects
    leftovers = [k for k in objects if "/checkpoints/" in k or k.endswith(".lock")]
    assert leftovers == []  # resume states removed once each fit completed; the run's lease released
    for copy in cluster.state["copies"]:
        assert not [p for p in (Path(copy) / "data").rglob("*") if p.is_file()]


def test_mlflow_holds_one_run_with_its_variants_and_the_champion(cluster: Cluster, runs: dict) -> None:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=cluster.state["env"]["MLFLOW_TRACKING_URI"])
    experiment = client.get_experiment_by_name("rnn-pipelines")
    runs_found = client.search_runs([experiment.experiment_id], max_results=200)
    first = runs["first"]["dag_run_id"]
    (parent,) = [r for r in runs_found if r.data.tags.get("airflow.run_id") == first]
    nested = {
        r.info.run_name for r in runs_found if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id
    }
    assert set(VARIANTS) <= nested
    assert parent.info.status == "FINISHED" and parent.data.tags["retraining.outcome"] == "retrained"
    alias = client.get_model_version_by_alias("rnn-pipelines-forecasting", "champion")
    assert alias.run_id == parent.info.run_id


def test_a_second_run_waits_for_the_first_then_skips(runs: dict[str, Any]) -> None:
    assert runs["second_while_first_ran"] == "queued"  # max_active_runs: 1
    assert runs["second"]["state"] == "success"
    assert runs["second"]["start_date"] >= runs["first"]["end_date"]
    states = {t["task_id"]: t["state"] for t in runs["second_tasks"]}
    assert states.pop("check_for_changes") == "success" and set(states.values()) == {"skipped"}


def test_bad_data_in_the_bucket_fails_the_run_and_keeps_the_champion(cluster: Cluster, runs: dict) -> None:
    assert runs["third"]["state"] == "failed"
    states = {t["task_id"]: t["state"] for t in runs["third_tasks"]}
    assert states["check_for_changes"] == "failed"
    assert (
        cluster.objects(f"{PREFIX}/06_models/forecasting/champion/current.json")
        == runs["champion_before_third"]
    )
    assert not [k for k in cluster.objects() if k.endswith(".lock")]  # the failed run released its lease
