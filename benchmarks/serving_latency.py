"""Serving latency of a sentiment model: the SavedModel in process, MLflow's pyfunc in process, and
``mlflow models serve`` over HTTP on loopback.

For one variant of a finished run (default ``bigru_pool``: its ``model.keras`` and the run's
``tokenizer.json``), the model is exported three times: *after*, as the pipeline exports it (a batch is
served in groups of ``LENGTH_GROUP`` reviews of similar length, each at its longest review's length, the
padding masked); *one_group* (the whole batch at its longest review's length); and *before* (every request
padded to ``sequence_length``, the export as it was: the same weights behind a fixed-length input).
Measured, the paths taking turns: p50/p95 of one short review (16 words) and throughput for a batch of
1,000 test reviews through (a) the SavedModel's ``serve`` in process (each export), (b) the after export as
an MLflow pyfunc model in process (``mlflow_text_classifier``), (c) the same model behind ``mlflow models
serve``. Printed: the figures, (b)/(a), (c)/(a) and (a) before/after. Aims: (a) p50 <= 5 ms, (c) <= 4x (a).

Usage:
    uv run python benchmarks/serving_latency.py [--project .] [--variant bigru_pool] [--repeats 50]

A smoke run's model can be measured too (the JSON says which run it was: its vocabulary and
sequence length). Figures are written to data/08_reporting/benchmarks/serving_latency.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _full_run import save_figures  # noqa: E402

logger = logging.getLogger("benchmarks.serving_latency")
SHORT = "an honest, moving film with a wonderful cast and a story that stays with you for days"  # 16 words


def percentiles(call: Any, repeats: int) -> dict[str, float]:
    """p50/p95 milliseconds of ``call()`` after two warm-up calls."""
    call(), call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(float(np.percentile(times, 95)), 2)}


def throughput(call: Any, count: int, repeats: int = 3) -> float:
    """Reviews per second of ``call()`` on ``count`` reviews (best of ``repeats``, after one warm-up)."""
    call()
    best = min(_timed(call) for _ in range(repeats))
    return round(count / best, 1)


def _timed(call: Any) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def exports(project: Path, variant: str, folder: Path) -> dict[str, Path]:
    """The variant exported as the pipeline does (after) and padded to sequence_length (before)."""
    import keras

    import rnn_pipelines.models.layers  # noqa: F401 -- registers the project's layers for load_model
    from rnn_pipelines.serving import text_classifier
    from rnn_pipelines.serving.text_classifier import export_archive

    tokenizer = json.loads((project / "data/06_models/sentiment/tokenizer.json").read_text())
    model = keras.models.load_model(project / f"data/06_models/sentiment/{variant}/model.keras")
    fixed_input = keras.Input(shape=(tokenizer["sequence_length"],), dtype="int32")
    padded = keras.Model(fixed_input, model(fixed_input))  # the same layers, every request at full length
    paths = {name: folder / name for name in ("after", "one_group", "before")}
    export_archive(model, tokenizer).write_out(str(paths["after"]), verbose=False)
    export_archive(padded, tokenizer).write_out(str(paths["before"]), verbose=False)
    grouped, text_classifier.LENGTH_GROUP = text_classifier.LENGTH_GROUP, 1_000_000
    try:  # the whole batch as one group: cut after the batch's longest review only
        export_archive(model, tokenizer).write_out(str(paths["one_group"]), verbose=False)
    finally:
        text_classifier.LENGTH_GROUP = grouped
    return paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure_savedmodels(paths: dict[str, Path], batch: list[str], repeats: int) -> dict[str, Any]:
    """(a): each export's ``serve`` in process, before and after (and a check that they agree)."""
    import tensorflow as tf

    loaded = {name: tf.saved_model.load(str(path)) for name, path in paths.items()}
    short, many = tf.constant([SHORT]), tf.constant(batch)
    figures = {}
    for name in ("before", "one_group", "after"):
        serve = loaded[name].serve
        figures[f"a_savedmodel_{name}"] = {
            **percentiles(lambda serve=serve: serve(short).numpy(), repeats),
            "reviews_per_s": throughput(lambda serve=serve: serve(many).numpy(), len(batch)),
        }
        logger.info("(a) SavedModel %s: %s", name, figures[f"a_savedmodel_{name}"])
    served = loaded["after"].serve(many).numpy()
    for name in ("before", "one_group"):
        assert np.allclose(served, loaded[name].serve(many).numpy(), atol=1e-5), f"{name}/after differ"
    return figures


def save_pyfunc(saved_model: Path, folder: Path) -> Path:
    """The export as the registry holds it: an MLflow pyfunc model (models from code) around it."""
    import mlflow

    from rnn_pipelines.serving import mlflow_text_classifier

    mlflow.pyfunc.save_model(
        str(folder),
        python_model=mlflow_text_classifier.__file__,
        artifacts={"saved_model": str(saved_model)},
        input_example=mlflow_text_classifier.input_example(),
    )
    return folder


def measure_pyfunc(pyfunc_dir: Path, batch: list[str], repeats: int) -> dict[str, Any]:
    """(b): ``mlflow.pyfunc.load_model(...).predict`` in process."""
    import mlflow

    model = mlflow.pyfunc.load_model(str(pyfunc_dir))
    one, frame = pd.DataFrame({"text": [SHORT]}), pd.DataFrame({"text": batch})
    figures = {
        **percentiles(lambda: model.predict(one), repeats),
        "reviews_per_s": throughput(lambda: model.predict(frame), len(batch)),
    }
    logger.info("(b) pyfunc in process: %s", figures)
    return figures


def measure_http(pyfunc_dir: Path, batch: list[str], repeats: int) -> dict[str, Any]:
    """(c): ``mlflow models serve`` on a free loopback port, ``dataframe_split`` requests."""
    import requests

    port = free_port()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [sys.executable, "-m", "mlflow", "models", "serve", "-m", str(pyfunc_dir)]
    command += ["--env-manager", "local", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in tqdm(range(240), desc="waiting for mlflow models serve", leave=False):
            try:
                if requests.get(f"{url}/ping", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        session = requests.Session()

        def post(texts: list[str]) -> Any:
            payload = {"dataframe_split": {"columns": ["text"], "data": [[t] for t in texts]}}
            response = session.post(f"{url}/invocations", json=payload, timeout=120)
            response.raise_for_status()
            return response.json()

        figures = {
            **percentiles(lambda: post([SHORT]), repeats),
            "reviews_per_s": throughput(lambda: post(batch), len(batch)),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    logger.info("(c) mlflow models serve: %s", figures)
    return figures


def ratios(figures: dict[str, Any]) -> dict[str, float]:
    """(b)/(a), (c)/(a) at p50, and (a) before against after."""
    a, before = figures["a_savedmodel_after"], figures["a_savedmodel_before"]
    return {
        "b_over_a_p50": round(figures["b_pyfunc"]["p50_ms"] / a["p50_ms"], 2),
        "c_over_a_p50": round(figures["c_http"]["p50_ms"] / a["p50_ms"], 2),
        "a_before_over_after_p50": round(before["p50_ms"] / a["p50_ms"], 2),
        "a_after_over_before_throughput": round(a["reviews_per_s"] / before["reviews_per_s"], 2),
        "a_after_over_one_group_throughput": round(
            a["reviews_per_s"] / figures["a_savedmodel_one_group"]["reviews_per_s"], 2
        ),
    }


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--project", type=Path, default=ROOT, help="a project after a sentiment run")
    parser.add_argument("--variant", default="bigru_pool", help="the trained variant to export and serve")
    parser.add_argument("--repeats", type=int, default=50, help="single-review calls per path")
    parser.add_argument("--batch", type=int, default=1000, help="reviews in the throughput batch")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    project = args.project.resolve()
    test = pd.read_parquet(project / "data/03_primary/sentiment/test.parquet")
    batch = test["text"].sample(min(args.batch, len(test)), random_state=0).tolist()
    tokenizer = json.loads((project / "data/06_models/sentiment/tokenizer.json").read_text())
    figures: dict[str, Any] = {
        "variant": args.variant,
        "project": str(project),
        "batch": len(batch),
        "sequence_length": tokenizer["sequence_length"],
        "batch_mean_words": round(float(np.mean([len(t.split()) for t in batch])), 1),
    }
    with tempfile.TemporaryDirectory() as scratch:
        paths = exports(project, args.variant, Path(scratch))
        figures |= measure_savedmodels(paths, batch, args.repeats)
        pyfunc_dir = save_pyfunc(paths["after"], Path(scratch) / "pyfunc")
        figures["b_pyfunc"] = measure_pyfunc(pyfunc_dir, batch, args.repeats)
        figures["c_http"] = measure_http(pyfunc_dir, batch, args.repeats)
    figures["ratios"] = ratios(figures)
    print(json.dumps(figures, indent=2))
    save_figures("serving_latency", reused=True, run_seconds=None, **figures)


if __name__ == "__main__":
    main()
