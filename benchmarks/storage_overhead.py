"""Storage overhead benchmark: the three smoke runs on a team's set-up against one machine's, A/B.

Side A is a project whose data root is a local folder and whose runs go to its own SQLite store (the
default). Side B is the same project with ``RNN_PIPELINES_DATA_ROOT=s3://…`` on an S3 API server and
``MLFLOW_TRACKING_URI`` on an MLflow server backed by PostgreSQL, with artifacts proxied to the bucket
(``deploy.services``: a throwaway PostgreSQL cluster, moto's S3 server and ``mlflow server``, all on
loopback). Each side runs ``kedro run --pipelines=<pipeline> --env=smoke`` as a user would (a whole
process: interpreter start, imports, tracking and storage included), on fresh storage each time (a new
local folder, a new bucket prefix: no champion from the previous repeat to re-score), alternating A B A B
``--repeats`` times in one session. The figure per pipeline is the median of the ratios B/A pair by pair.
Aim: ≤ 1.3 for each pipeline.

Loopback has no network latency: the overhead measured is the cost of the project's storage and tracking
code paths (copies through the local cache, the lease, uploads, the tracking server), not of a WAN.

Usage:
    RNN_PIPELINES_DATA_MIRROR=/path/to/mirror uv run --extra team python benchmarks/storage_overhead.py \
        [--repeats 3] [--pipelines sentiment forecasting text_generation]

Figures are printed and written to data/08_reporting/benchmarks/storage_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _full_run import ROOT, copy_configuration

from deploy.services import exit_on_sigterm, team_services

OUT = ROOT / "data/08_reporting/benchmarks/storage_overhead.json"
PIPELINES = ("sentiment", "forecasting", "text_generation")
BUCKET = "rnn-bench"
logger = logging.getLogger("benchmarks.storage_overhead")


def timed(pipeline: str, project: Path, env: dict[str, str]) -> float:
    """Wall seconds of one smoke run of ``pipeline`` in ``project``; stops on a failed run."""
    command = [sys.executable, "-m", "kedro", "run", f"--pipelines={pipeline}", "--env=smoke"]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="A/B pairs per pipeline (default 3)")
    parser.add_argument("--pipelines", nargs="+", default=list(PIPELINES), choices=PIPELINES)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    exit_on_sigterm()  # a killed benchmark still stops its services
    if not os.environ.get("RNN_PIPELINES_DATA_MIRROR"):
        parser.error("set RNN_PIPELINES_DATA_MIRROR to the folder holding the data sets (see README, Data)")
    base = {**os.environ, "DO_NOT_TRACK": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    for name in ("MLFLOW_TRACKING_URI", "RNN_PIPELINES_DATA_ROOT"):
        base.pop(name, None)
    folder = Path(tempfile.mkdtemp(prefix="rnn-storage-bench-"))
    seconds: dict[str, dict[str, list[float]]] = {p: {"local": [], "team": []} for p in args.pipelines}
    try:
        with team_services(folder / "services", bucket=BUCKET) as services:
            local = copy_configuration(folder / "local" / "project")
            team = copy_configuration(folder / "team" / "project")
            team_env = {**base, **services["s3"].env, **services["mlflow"].env}
            for repeat in range(args.repeats):
                for pipeline in args.pipelines:
                    shutil.rmtree(local / "data", ignore_errors=True)
                    local_env = {**base, "RNN_PIPELINES_CACHE_DIR": str(folder / "cache-local")}
                    seconds[pipeline]["local"].append(timed(pipeline, local, local_env))
                    env = team_env | {
                        "RNN_PIPELINES_DATA_ROOT": f"s3://{BUCKET}/repeat-{repeat}",
                        "RNN_PIPELINES_CACHE_DIR": str(folder / "cache-team"),
                    }
                    seconds[pipeline]["team"].append(timed(pipeline, team, env))
                    logger.info(
                        "%s, repeat %d: local %.1f s, team %.1f s",
                        pipeline,
                        repeat + 1,
                        seconds[pipeline]["local"][-1],
                        seconds[pipeline]["team"][-1],
                    )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = {}
    print(
        f"\n{'pipeline':<16} {'local s (median)':>17} {'team s (median)':>16} {'ratio team/local':>17}  pairs"
    )
    for pipeline, sides in seconds.items():
        ratios = [t / a for a, t in zip(sides["local"], sides["team"], strict=True)]
        rows[pipeline] = {
            "local_seconds": sides["local"],
            "team_seconds": sides["team"],
            "ratios": [round(r, 3) for r in ratios],
            "median_ratio": round(statistics.median(ratios), 3),
        }
        local_median, team_median = statistics.median(sides["local"]), statistics.median(sides["team"])
        print(
            f"{pipeline:<16} {local_median:>17.1f} {team_median:>16.1f}"
            f" {statistics.median(ratios):>17.2f}  {', '.join(f'{r:.2f}' for r in ratios)}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "repeats": args.repeats,
                "pipelines": rows,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
