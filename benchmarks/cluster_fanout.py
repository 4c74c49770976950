"""Cluster fan-out benchmark: the smoke forecasting DAG on the local Airflow cluster with one Celery worker
and with two, A/B.

Each side is a fresh cluster (``deploy/local-cluster``: PostgreSQL, Redis, the S3 server, the MLflow
server, Airflow's API server, scheduler and DAG processor, and N workers of concurrency 1, each in its own
working copy), one DAG run triggered through the REST API, then ``down``; sides alternate ``--repeats``
times. Figures per run: wall time from the trigger to the run's end, time from the trigger to the first
task's start (scheduling overhead), the tasks' summed busy time (and that of the variants' training
tasks) and the parallelism it implies (busy / wall), the median task and the median wait of a task whose
upstream had finished. The ratio is one worker over two, pair by pair. On a 2-core machine two workers
cannot be twice as fast: both share the cores.

Usage:
    uv run --extra airflow --extra team python benchmarks/cluster_fanout.py [--repeats 2]

Figures are printed and written to data/08_reporting/benchmarks/cluster_fanout.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _full_run import ROOT

from deploy.cluster import down, up
from deploy.services import exit_on_sigterm

OUT = ROOT / "data/08_reporting/benchmarks/cluster_fanout.json"
DAG = "rnn_pipelines_forecasting"
logger = logging.getLogger("benchmarks.cluster_fanout")


def seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def one_run(workers: int) -> dict[str, Any]:
    """A fresh cluster with ``workers`` workers, one run of the forecasting DAG, its figures."""
    import requests

    folder = Path(tempfile.mkdtemp(prefix=f"rnn-fanout-{workers}-"))
    try:
        state = up(folder, workers=workers, pipelines=("forecasting",))
        api = f"{state['api']}/api/v2/dags/{DAG}"
        triggered = datetime.now(UTC).isoformat()
        run_id = requests.post(f"{api}/dagRuns", json={"logical_date": None}, timeout=30).json()["dag_run_id"]
        while (run := requests.get(f"{api}/dagRuns/{run_id}", timeout=30).json())["state"] not in (
            "success",
            "failed",
        ):
            time.sleep(2)
        tasks = requests.get(
            f"{api}/dagRuns/{run_id}/taskInstances", params={"limit": 100}, timeout=30
        ).json()
        tasks = [t for t in tasks["task_instances"] if t["start_date"] and t["end_date"]]
        upstream: dict[str, list[str]] = {}
        for task in requests.get(f"{api}/tasks", timeout=30).json()["tasks"]:
            for child in task["downstream_task_ids"]:
                upstream.setdefault(child, []).append(task["task_id"])
    finally:
        down(folder)
    if run["state"] != "success":
        raise RuntimeError(f"the run with {workers} worker(s) ended {run['state']}")
    busy = sum(seconds(t["start_date"], t["end_date"]) for t in tasks)
    wall = seconds(triggered, run["end_date"])
    ends = {t["task_id"]: t["end_date"] for t in tasks}
    waits = [
        seconds(max(ends[u] for u in upstream[t["task_id"]]), t["start_date"])
        for t in tasks
        if upstream.get(t["task_id"]) and all(u in ends for u in upstream[t["task_id"]])
    ]
    return {
        "workers": workers,
        "wall_seconds": round(wall, 1),
        "trigger_to_first_task_seconds": round(seconds(triggered, min(t["start_date"] for t in tasks)), 1),
        "tasks": len(tasks),
        "busy_seconds": round(busy, 1),
        "training_busy_seconds": round(
            sum(seconds(t["start_date"], t["end_date"]) for t in tasks if "-train-" in t["task_id"]), 1
        ),
        "parallelism": round(busy / wall, 2),
        "median_task_seconds": round(
            statistics.median(seconds(t["start_date"], t["end_date"]) for t in tasks), 1
        ),
        "median_wait_after_upstream_seconds": round(statistics.median(waits), 1) if waits else None,
        "workers_used": sorted({t["hostname"] for t in tasks}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="pairs of runs, one worker then two (default 2)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    exit_on_sigterm()  # a killed benchmark still stops its cluster
    runs = []
    for repeat in range(args.repeats):
        for workers in (1, 2):
            runs.append(one_run(workers))
            logger.info("repeat %d, %d worker(s): %s", repeat + 1, workers, runs[-1])
    pairs = [(a, b) for a, b in zip(runs[::2], runs[1::2], strict=True)]
    ratios = [round(one["wall_seconds"] / two["wall_seconds"], 2) for one, two in pairs]
    print(
        f"\n{'workers':>7} {'wall s':>7} {'trigger→first task s':>21} {'busy s':>7} {'training s':>10} "
        f"{'parallelism':>11} "
        f"{'median task s':>13} {'median wait s':>13}"
    )
    for run in runs:
        print(
            f"{run['workers']:>7} {run['wall_seconds']:>7} {run['trigger_to_first_task_seconds']:>21} "
            f"{run['busy_seconds']:>7} {run['training_busy_seconds']:>10} {run['parallelism']:>11} "
            f"{run['median_task_seconds']:>13} "
            f"{run['median_wait_after_upstream_seconds'] or '-':>13}"
        )
    print(f"\none worker / two, wall time, pair by pair: {ratios} (median {statistics.median(ratios)})")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    measured = datetime.now(UTC).isoformat(timespec="seconds")
    OUT.write_text(json.dumps({"measured_at": measured, "runs": runs, "ratios": ratios}, indent=2))
    print(f"written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
