"""Step cost: what one training step of each configured sentiment variant costs on this machine.

Before putting a wide variant in a CPU run (or to tell why a variant is kept for ``--env=gpu``), this
builds every variant of a configuration environment as training does (``build_classifier``) and times
one training step on the same batch of random reviews, the variants taking turns so that a busy machine
slows them alike. It prints the median seconds per step and the ratio to a
reference variant (default ``bigru_pool``); multiply a run's epoch time for the reference by the ratio.

Usage:
    uv run python benchmarks/sentiment_step_cost.py [--env gpu] [--tokens 200] [--steps 5]
        [--reference bigru_pool]

Figures are printed and written to data/08_reporting/benchmarks/sentiment_step_cost.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from _full_run import ROOT, save_figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default=None, help="Kedro configuration environment (e.g. gpu)")
    parser.add_argument("--tokens", type=int, default=200, help="tokens per review (the median is 177)")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per variant (after 2 warm-up)")
    parser.add_argument("--reference", default="bigru_pool", help="variant the ratios are taken against")
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")

    import keras
    import tensorflow as tf

    from rnn_pipelines.models import training
    from rnn_pipelines.pipelines.sentiment.nodes import build_classifier
    from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

    loader = ProjectConfigLoader(conf_source=str(ROOT / "conf"), env=args.env, **CONFIG_LOADER_ARGS)
    params = loader["parameters"]["sentiment"]
    if args.reference not in params["variants"]:
        parser.error(f"unknown reference '{args.reference}'; configured: {sorted(params['variants'])}")
    vocabulary = params["tokenization"]["max_tokens"]
    batch = params["training"]["batch_size"]
    rng = np.random.default_rng(0)
    x = rng.integers(2, vocabulary, size=(batch, args.tokens)).astype("int32")
    y = rng.integers(0, 2, size=(batch, 1)).astype("float32")

    models = {}
    for name, spec in params["variants"].items():
        with training.configure_devices(params["training"]):  # seed, precision (float16 on a GPU), strategy
            model = build_classifier(
                name, spec, vocabulary_size=vocabulary, settings=params["training"], head=params["head"]
            )
        for _ in range(2):  # trace and warm up
            model.train_on_batch(x, y)
        models[name] = model

    seconds: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.steps):
        for name, model in models.items():  # taking turns: a busy spell slows every variant alike
            start = time.perf_counter()
            model.train_on_batch(x, y)
            seconds[name].append(time.perf_counter() - start)

    reference = statistics.median(seconds[args.reference])
    rows = {
        name: {
            "parameters": int(models[name].count_params()),
            "step_seconds": statistics.median(times),
            "ratio": statistics.median(times) / reference,
        }
        for name, times in seconds.items()
    }
    device = "GPU" if tf.config.list_physical_devices("GPU") else f"CPU ({os.cpu_count()} cores)"
    device += f", {keras.mixed_precision.global_policy().name}"
    print(f"one training step, {batch} reviews x {args.tokens} tokens, {device}, median of {args.steps}")
    print(f"{'variant':<14} {'params':>12} {'s/step':>8} {'vs ' + args.reference:>16}")
    for name, row in sorted(rows.items(), key=lambda item: item[1]["step_seconds"]):
        print(f"{name:<14} {row['parameters']:>12,} {row['step_seconds']:>8.3f} {row['ratio']:>15.1f}x")

    save_figures(
        "sentiment_step_cost",
        False,
        None,
        env=args.env,
        device=device,
        batch_size=batch,
        tokens=args.tokens,
        steps=args.steps,
        reference=args.reference,
        variants=rows,
    )


if __name__ == "__main__":
    main()
