"""Seed spread: how much a sentiment variant's accuracy moves with the training seed alone.

The accuracy benchmark trains each variant once, so a 0.5-point gap between two variants, or a variant
0.1 point short of its target, may be the seed's doing. This retrains the chosen variants with several
``sentiment.training.seed`` values (initial weights and batch order; the split, vocabulary and
encoded reviews stay those of the project's last sentiment run) through the pipeline's own nodes
(``train_classifier``, ``evaluate_classifier``) and the project's configuration, and reports each
seed's validation and test accuracy, their mean, standard deviation and range.

The project's outputs are left alone: checkpoints go to a temporary folder, nothing is logged to MLflow
and no model replaces the project's.

Usage:
    uv run python benchmarks/sentiment_seed_spread.py [--project DIR] [--variants stacked] [--seeds 1 2 3]
        [--env ENV]

``--project`` must hold a finished ``kedro run --pipeline=sentiment`` (its data/05_model_input and
tokenizer). Figures are printed and written to data/08_reporting/benchmarks/sentiment_seed_spread.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _full_run import ROOT, save_figures
from sentiment_accuracy import SEED_LEVELS


def spread(values: list[float]) -> dict[str, float]:
    """Mean, sample standard deviation (0 for one value), minimum and maximum."""
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": min(values),
        "max": max(values),
    }


def project_context(project: Path, env: str | None) -> Any:
    """The project's Kedro context (its parameters and catalog), without running anything."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    return KedroSession.create(project_path=project, env=env).load_context()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project", type=Path, default=ROOT, help="project folder (default: this one)")
    parser.add_argument("--variants", nargs="+", default=["stacked"], help="variants to retrain")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3], help="training seeds")
    parser.add_argument("--env", default=None, help="Kedro configuration environment")
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")

    from rnn_pipelines.pipelines.sentiment.nodes import (
        check_variants,
        evaluate_classifier,
        train_classifier,
    )

    context = project_context(args.project.resolve(), args.env)
    params = context.params["sentiment"]
    unknown = sorted(set(args.variants) - set(params["variants"]))
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; configured: {sorted(params['variants'])}")
    catalog = context.catalog
    model_input = catalog.load("sentiment_model_input")
    test_input = catalog.load("sentiment_test_input")
    tokenizer = catalog.load("sentiment_tokenizer")
    chosen = {name: params["variants"][name] for name in args.variants}
    checks = check_variants(chosen, tokenizer)

    runs: list[dict[str, Any]] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="seed-spread-") as checkpoints:
        for variant in args.variants:
            for seed in args.seeds:
                settings = {**params["training"], "seed": seed, "checkpoint_dir": checkpoints}
                model, _, summary = train_classifier(
                    model_input, tokenizer, chosen[variant], settings, params["head"], checks, variant=variant
                )
                metrics = evaluate_classifier(
                    model, model_input, test_input, summary, settings, variant=variant
                )
                runs.append(
                    {
                        "variant": variant,
                        "seed": seed,
                        "epochs_run": summary["epochs_run"],
                        "train_seconds": summary["train_seconds"],
                        "val_accuracy": metrics["val_accuracy"],
                        "test_accuracy": metrics["test_accuracy"],
                    }
                )
    seconds = round(time.perf_counter() - start, 1)

    summary_rows = {}
    print(f"{'variant':<12} {'seed':>5} {'epochs':>6} {'train s':>8} {'val acc':>8} {'test acc':>8}")
    for run in runs:
        print(
            f"{run['variant']:<12} {run['seed']:>5} {run['epochs_run']:>6} {run['train_seconds']:>8.0f} "
            f"{run['val_accuracy']:>8.4f} {run['test_accuracy']:>8.4f}"
        )
    for variant in args.variants:
        mine = [r for r in runs if r["variant"] == variant]
        summary_rows[variant] = {
            split: spread([r[f"{split}_accuracy"] for r in mine]) for split in ("val", "test")
        }
        test = summary_rows[variant]["test"]
        line = (
            f"{variant}: test accuracy mean {test['mean']:.4f} ± {test['std']:.4f} (sd), "
            f"range {test['min']:.4f} to {test['max']:.4f} over seeds {args.seeds}"
        )
        if variant in SEED_LEVELS:
            level = SEED_LEVELS[variant]
            met = summary_rows[variant]["mean_meets_seed_level"] = test["mean"] >= level
            line += f"; seed level {level:.2f} {'met' if met else 'missed'} on the mean"
        print(line)

    save_figures(
        "sentiment_seed_spread",
        False,  # retrains; only the split and encoded reviews come from the last run
        seconds,
        project=str(args.project.resolve()),
        seeds=args.seeds,
        training={k: v for k, v in params["training"].items() if k != "seed"},
        runs=runs,
        spread=summary_rows,
    )


if __name__ == "__main__":
    main()
