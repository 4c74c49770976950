"""Text-generation report nodes: each variant's nested MLflow run, and the comparison report with samples."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rnn_pipelines.reporting import plots
from rnn_pipelines.reporting.comparison import EPOCHS, PARAMETERS, TRAIN_TIME, Column, Comparison
from rnn_pipelines.reporting.provenance import git_commit, text_sha256
from rnn_pipelines.reporting.runs import split_variant_inputs

CURVES = ("loss", "accuracy")
COLUMNS = [
    Column("variant", "model"),
    Column("level", "tokens"),
    PARAMETERS,
    EPOCHS,
    Column("stopped_by", "stopped by"),
    TRAIN_TIME,
    Column("val_nats_per_token", "val loss (nats/token)", "{:.4f}"),
    Column("val_perplexity", "val perplexity", "{:.2f}"),
    Column("val_bits_per_char", "val bits/char", "{:.4f}"),
]


def build_text_generation_report(
    comparison: pd.DataFrame, best: dict[str, Any], samples: dict[str, Any], **inputs: dict[str, Any]
) -> tuple[str, str, dict[str, Any], Any, Any]:
    """The comparison report: validation loss per variant, the best marked, and its samples.

    Args:
        **inputs: ``history_<variant>`` and ``metrics_<variant>`` for every variant.

    Returns:
        Markdown, HTML, JSON, and the figures: learning curves, and validation loss vs training time.
    """
    histories, _ = split_variant_inputs(inputs)
    sampling = f"prompt {samples['prompt']!r}, {samples['length']} tokens, top-k {samples['top_k'] or 'off'}"
    report = Comparison.of(
        comparison,
        best,
        title="Text generation: variant comparison",
        columns=COLUMNS,
        summary=(
            f"Best variant by validation loss: {best['variant']} ({best['level']} level, "
            f"{best['val_nats_per_token']:.4f} nats/token, perplexity {best['val_perplexity']:.2f}, "
            f"{best['val_nats_per_char']:.4f} nats/char)."
        ),
        figures={
            "learning_curves.png": "Learning curves (dashed: train, solid: validation)",
            "loss_vs_time.png": "Validation loss vs training time (bubble = parameters)",
        },
        notes=[
            "Validation is the last part of the corpus by position (never shuffled across the cut); "
            "loss is the mean cross-entropy of each next token over consecutive windows.",
            "bits/char = total validation nats / validation characters / ln 2: comparable across "
            "tokenizations (for char level it is the loss in bits).",
            f"Samples: {sampling}, seed {samples['seed']}; temperature 0 is greedy.",
        ],
        sections={
            f"{samples['variant']} at temperature {sample['temperature']:g}": sample["text"]
            for sample in samples["samples"]
        },
    )
    figures = (
        plots.learning_curves(histories, CURVES),
        plots.table_score_vs_time(comparison, "val_nats_per_token", score="validation loss (nats/token)"),
    )
    return report.outputs(*figures)


def describe_corpus_inputs(corpus: str, validation: str) -> dict[str, Any]:
    """Provenance for the pipeline's MLflow run: sha256 of the corpus and of the validation part, and
    the git commit."""
    return {
        "data_sha256": text_sha256(corpus),
        "validation_sha256": text_sha256(validation),
        **git_commit(),
    }
