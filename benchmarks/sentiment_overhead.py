"""Overhead benchmark: the pipeline retraining the seed-000 LSTM vs a plain Keras script, A/B.

Both train the same model (Embedding 64 → LSTM 128 → Dense 1) on the same splits for the same epochs.
The pipeline side is what a user runs to retrain a variant: ``kedro run --pipelines=sentiment
--from-nodes sentiment.lstm.train_classifier --to-nodes sentiment.lstm.train_classifier`` (tokenization
cached in data/05_model_input by a preparation run that is not timed). The plain side reads the same
split files, tokenizes and trains (benchmarks/plain_keras_lstm.py) on fixed-length batches, as a
hand-written script does; the pipeline trains with its configured input pipeline (length-bucketed
batches, ``sentiment.training.bucket_width``). Each side's whole process is timed (interpreter start and
imports included: Kedro, MLflow and its SQLite store are the pipeline's fixed cost), alternating A/B
``--repeats`` times in one session, and the figure is the ratio of medians pipeline/plain. Target: ≤ 1.0.

By default both train on every review (20,000 train / 5,000 validation), as a retraining does;
``--sample-per-group N`` shrinks the data to N reviews per (split, label) for a quick look, where the
fixed cost weighs more.

Usage:
    uv run python benchmarks/sentiment_overhead.py [--epochs 2] [--sample-per-group 0] [--repeats 2]

Figures are printed and written to data/08_reporting/benchmarks/sentiment_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _full_run import ROOT, copy_configuration

OUT = ROOT / "data/08_reporting/benchmarks/sentiment_overhead.json"
logger = logging.getLogger("benchmarks.sentiment_overhead")


def make_project(parent: Path, epochs: int, sample_per_group: int) -> Path:
    """A throw-away copy of the project whose conf/local fixes the data sample and the epochs."""
    project = copy_configuration(parent / "project")
    if sample_per_group:
        (project / "conf/local/parameters_ingestion.yml").write_text(
            f"imdb_ingestion:\n  sample_per_group: {sample_per_group}\n"
        )
        (project / "conf/local/parameters_validation.yml").write_text(
            "imdb_validation:\n  min_reviews: 1000\n"
        )
    # a fixed number of epochs on both sides: early stopping must not end the pipeline's run sooner
    # the plain script's model and tokenization (seed 000: 10,000 words, the first 200 tokens), not the
    # project's tuned defaults, so both sides train the same model on the same inputs
    (project / "conf/local/parameters_sentiment.yml").write_text(
        "sentiment:\n"
        "  tokenization: {max_tokens: 10000, sequence_length: 200, truncate: post}\n"
        f"  training:\n    epochs: {epochs}\n    early_stopping_patience: {epochs + 1}\n"
    )
    return project


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    env = {**os.environ, "DO_NOT_TRACK": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "COLUMNS": "200"}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, result.stdout + result.stderr


# each side's own fit time: the pipeline logs its training summary, the plain script prints a PLAIN line
FIT_SECONDS = {
    "pipeline": re.compile(r"'train_seconds': ([0-9.]+)"),
    "plain": re.compile(r"train_seconds=([0-9.]+)"),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument(
        "--sample-per-group",
        type=int,
        default=0,
        help="reviews per (split, label); 0 = all (20,000 train / 5,000 validation); "
        "2500 → 4,000 train / 1,000 validation",
    )
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not os.environ.get("RNN_PIPELINES_DATA_MIRROR"):
        sys.exit("Set RNN_PIPELINES_DATA_MIRROR to the folder with the IMDB archive.")

    kedro = [sys.executable, "-m", "kedro", "run", "--pipelines=sentiment"]
    lstm = "sentiment.lstm.train_classifier"
    with tempfile.TemporaryDirectory(prefix="rnn-overhead-") as tmp:
        project = make_project(Path(tmp), args.epochs, args.sample_per_group)
        logger.info("Preparing splits and cached encodings (not timed)...")
        timed([*kedro, "--to-nodes=encode_reviews,check_variants"], project)
        split = project / "data/03_primary/sentiment"
        plain = [
            sys.executable,
            str(ROOT / "benchmarks/plain_keras_lstm.py"),
            str(split / "train.parquet"),
            str(split / "validation.parquet"),
            str(args.epochs),
        ]
        pipeline = [*kedro, f"--from-nodes={lstm}", f"--to-nodes={lstm}"]
        times: dict[str, list[float]] = {"pipeline": [], "plain": []}
        fits: dict[str, list[float]] = {"pipeline": [], "plain": []}
        for repeat in range(args.repeats):
            for side, command in (("pipeline", pipeline), ("plain", plain)):
                seconds, output = timed(command, project)
                times[side].append(seconds)
                found = FIT_SECONDS[side].search(output)
                fits[side].append(float(found.group(1)) if found else float("nan"))
                logger.info("repeat %d %-8s %.1f s (fit %.1f s)", repeat + 1, side, seconds, fits[side][-1])

    medians = {side: statistics.median(values) for side, values in times.items()}
    result = {
        "benchmark": "sentiment_overhead",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "epochs": args.epochs,
        "sample_per_group": args.sample_per_group,
        "repeats": args.repeats,
        "seconds": times,
        "median_seconds": medians,
        "fit_seconds": fits,  # model.fit alone; the rest is start-up, imports, tracking and saving
        "median_fit_seconds": {side: statistics.median(values) for side, values in fits.items()},
        "ratio_pipeline_over_plain": round(medians["pipeline"] / medians["plain"], 3),
        "target": "<= 1.0",
    }
    result["meets_target"] = result["ratio_pipeline_over_plain"] <= 1.0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(
        f"pipeline median {medians['pipeline']:.1f} s, plain median {medians['plain']:.1f} s, "
        f"ratio pipeline/plain = {result['ratio_pipeline_over_plain']:.3f} (target <= 1.0) -> {OUT}"
    )


if __name__ == "__main__":
    main()
