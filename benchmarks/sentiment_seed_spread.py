"""Seed spread: how much a sentiment variant's accuracy moves with the training seed alone.

The accuracy benchmark trains each variant once, so a 0.5-point gap between two variants, or a variant
0.1 point short of its target, may be the seed's doing. This retrains the chosen variants with several
``sentiment.training.seed`` values (initial weights and batch order; the split, vocabulary and
encoded reviews stay those of the project's last sentiment run; the seed that run trained with is read from
its outputs rather than retrained, unless ``--retrain-run-seed``) through the pipeline's own nodes
(``train_classifier``, ``evaluate_classifier``) and the project's configuration, and reports each
seed's validation and test accuracy, their mean, standard deviation and range.

A hybrid in ``--variants`` (a blend configured under ``sentiment.hybrids``) is re-blended per seed: its
RNN members are retrained with that seed (once, when several hybrids or the variant itself share them),
NBSVM's scores are the last run's (its fit has no seed that moves it), and the blend is refitted on
validation by the pipeline's ``blend_members``. Its spread is the one to compare with the margin over
NBSVM, printed beside it.

The project's outputs are left alone: checkpoints go to a temporary folder, nothing is logged to MLflow
and no model replaces the project's.

Usage:
    uv run python benchmarks/sentiment_seed_spread.py [--project DIR] [--variants stacked] [--seeds 1 2 3]
        [--env ENV]
    uv run python benchmarks/sentiment_seed_spread.py --variants bigru_pool bigru_pool_nbsvm --seeds 42 1 2

``--project`` must hold a finished ``kedro run --pipelines=sentiment`` (its data/05_model_input and
tokenizer). Figures are printed and written to data/08_reporting/benchmarks/sentiment_seed_spread.json.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _full_run import ROOT, save_figures
from sentiment_accuracy import SEED_LEVELS

logger = logging.getLogger("sentiment_seed_spread")


def spread(values: list[float]) -> dict[str, float]:
    """Mean, sample standard deviation (0 for one value), minimum and maximum."""
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": min(values),
        "max": max(values),
    }


def seed_row(variant: str, seed: int, metrics: dict[str, Any]) -> dict[str, Any]:
    """One retraining's figures (a hybrid's ``train_seconds`` is its members' plus the blend's)."""
    return {
        "variant": variant,
        "seed": seed,
        "epochs_run": metrics["epochs_run"],
        "train_seconds": metrics["train_seconds"],
        "val_accuracy": metrics["val_accuracy"],
        "test_accuracy": metrics["test_accuracy"],
    }


def summarise(
    runs: list[dict[str, Any]],
    variants: list[str],
    seeds: list[int],
    hybrids: dict[str, list[str]],
    fixed: dict[str, tuple[dict[str, Any], Any]],
) -> dict[str, Any]:
    """Print every retraining and each variant's spread (with a hybrid's margin over its fixed members);
    returns the spreads."""
    summary_rows = {}
    print(f"{'variant':<18} {'seed':>5} {'epochs':>6} {'train s':>8} {'val acc':>8} {'test acc':>8}")
    for run in runs:
        print(
            f"{run['variant']:<18} {run['seed']:>5} {run['epochs_run']!s:>6} {run['train_seconds']:>8.0f} "
            f"{run['val_accuracy']:>8.4f} {run['test_accuracy']:>8.4f}"
        )
    for variant in variants:
        mine = [r for r in runs if r["variant"] == variant]
        summary_rows[variant] = {
            split: spread([r[f"{split}_accuracy"] for r in mine]) for split in ("val", "test")
        }
        test = summary_rows[variant]["test"]
        line = (
            f"{variant}: test accuracy mean {test['mean']:.4f} ± {test['std']:.4f} (sd), "
            f"range {test['min']:.4f} to {test['max']:.4f} over seeds {seeds}"
        )
        if variant in SEED_LEVELS:
            level = SEED_LEVELS[variant]
            met = summary_rows[variant]["mean_meets_seed_level"] = test["mean"] >= level
            line += f"; seed level {level:.2f} {'met' if met else 'missed'} on the mean"
        for member, (member_metrics, _) in fixed.items():
            if member in hybrids.get(variant, []):
                margin = test["mean"] - member_metrics["test_accuracy"]
                wider = summary_rows[variant]["margin_over_" + member] = {
                    "margin": margin,
                    "margin_exceeds_sd": margin > test["std"],
                }
                line += (
                    f"; margin over {member} ({member_metrics['test_accuracy']:.4f}) {margin:+.4f}, "
                    f"{'more' if wider['margin_exceeds_sd'] else 'not more'} than one sd"
                )
        print(line)

    return summary_rows


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
    parser.add_argument(
        "--retrain-run-seed",
        action="store_true",
        help="retrain the seed the project's last run used too (default: read that run's scores)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")

    from rnn_pipelines.pipelines.sentiment.hybrids import blend_members, check_hybrids
    from rnn_pipelines.pipelines.sentiment.nodes import (
        check_variants,
        evaluate_classifier,
        train_classifier,
    )

    context = project_context(args.project.resolve(), args.env)
    params = context.params["sentiment"]
    hybrids = check_hybrids(params.get("hybrids"), params["variants"])
    unknown = sorted(set(args.variants) - set(params["variants"]) - set(hybrids))
    if unknown:
        parser.error(
            f"unknown variant(s) {unknown}; configured: {sorted(params['variants'])}, "
            f"hybrids: {sorted(hybrids)}"
        )
    to_train = list(
        dict.fromkeys(
            member
            for name in args.variants
            for member in (hybrids.get(name) or [name])
            if member in params["variants"]
        )
    )
    catalog = context.catalog
    model_input = catalog.load("sentiment.model_input")
    test_input = catalog.load("sentiment.test_input")
    tokenizer = catalog.load("sentiment.tokenizer")
    chosen = {name: params["variants"][name] for name in to_train}
    checks = check_variants(chosen, tokenizer, None, params["training"])
    fixed = {  # members that do not train with a seed (NBSVM): the last run's scores and scorecard
        member: (catalog.load(f"sentiment.{member}.metrics"), catalog.load(f"sentiment.{member}.scores"))
        for name in args.variants
        for member in hybrids.get(name, [])
        if member not in params["variants"]
    }

    runs: list[dict[str, Any]] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="seed-spread-") as checkpoints:
        for seed in args.seeds:
            trained = {}
            for variant in to_train:
                if seed == params["training"]["seed"] and not args.retrain_run_seed:
                    # the run trained this seed already (training on CPU is deterministic for a seed)
                    logger.info("%s, seed %d: the last run's scores", variant, seed)
                    trained[variant] = (
                        catalog.load(f"sentiment.{variant}.metrics"),
                        catalog.load(f"sentiment.{variant}.scores"),
                    )
                else:
                    settings = {**params["training"], "seed": seed, "checkpoint_dir": checkpoints}
                    model, _, summary = train_classifier(
                        model_input,
                        tokenizer,
                        chosen[variant],
                        settings,
                        params["head"],
                        checks,
                        variant=variant,
                    )
                    trained[variant] = evaluate_classifier(
                        model, model_input, test_input, summary, settings, variant=variant
                    )
                runs.append(seed_row(variant, seed, trained[variant][0]))
            for name in args.variants:
                if name in hybrids:
                    members = {**fixed, **trained}
                    inputs = {}
                    for member in hybrids[name]:
                        inputs[f"metrics_{member}"], inputs[f"scores_{member}"] = members[member]
                    _, metrics = blend_members(
                        catalog.load("sentiment.validation"),
                        catalog.load("sentiment.test"),
                        params["blending"],
                        hybrid=name,
                        members=hybrids[name],
                        **inputs,
                    )
                    runs.append(seed_row(name, seed, metrics))
    runs = [run for run in runs if run["variant"] in args.variants]
    seconds = round(time.perf_counter() - start, 1)

    summary_rows = summarise(runs, args.variants, args.seeds, hybrids, fixed)

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
