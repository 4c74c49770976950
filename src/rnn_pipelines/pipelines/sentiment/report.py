"""Sentiment reporting nodes: the MLflow record of each variant, the comparison report and its plots,
the run's provenance, and the read-along plot of what the model remembers."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.models import text
from rnn_pipelines.reporting import plots
from rnn_pipelines.reporting.comparison import TRAINING, Column, Comparison
from rnn_pipelines.reporting.provenance import git_commit, table_sha256
from rnn_pipelines.reporting.runs import split_variant_inputs

logger = logging.getLogger(__name__)

CURVES = ("loss", "accuracy")
COLUMNS = [
    Column("variant", "variant"),
    *TRAINING,
    Column("val_accuracy", "val accuracy", "{:.4f}"),
    Column("test_accuracy", "test accuracy", "{:.4f}"),
    Column("test_roc_auc", "test AUC", "{:.4f}"),
    Column("test_f1", "test F1", "{:.4f}"),
]
LABELS = ("negative", "positive")


def confusion_figure(variant: str, metrics: dict[str, Any]) -> dict[str, Any]:
    """The variant's test confusion matrix, among the plots of its nested MLflow run."""
    matrix = metrics["test_confusion_matrix"]
    return {"confusion_matrix": plots.confusion_matrix(matrix, LABELS, title=f"{variant}: test set")}


def build_comparison_report(
    comparison: pd.DataFrame, best: dict[str, Any], **inputs: dict[str, Any]
) -> tuple[str, str, dict[str, Any], Any, Any, Any]:
    """The comparison report: one row per RNN variant, hybrid and linear baseline, the best row marked.

    Args:
        comparison: Output of ``compare_variants``.
        best: Output of ``select_best_variant``.
        **inputs: ``history_<variant>`` for every RNN variant, ``metrics_<name>`` for every RNN variant
            and hybrid.

    Returns:
        Markdown, HTML, JSON, and the figures: learning curves of all variants, test accuracy vs
        training time (bubble = parameters), and the best variant's test confusion matrix.
    """
    histories, metrics = split_variant_inputs(inputs)
    report = Comparison.of(
        comparison,
        best,
        title="IMDB sentiment: variant comparison",
        columns=COLUMNS,
        summary=(
            f"Best candidate by validation accuracy: {best['variant']} ({best['kind']}; val "
            f"{best['val_accuracy']:.4f}, test {best['test_accuracy']:.4f}). The official test split is used "
            "only for these final scores."
        ),
        figures={
            "learning_curves.png": "Learning curves (dashed: train, solid: validation)",
            "accuracy_vs_time.png": "Test accuracy vs training time; bubble area = parameters",
            "confusion_matrix.png": f"Test confusion matrix of {best['variant']}",
            "read_along.png": "What the model remembers: P(positive) after each word of a few test reviews",
        },
        notes=report_notes(comparison),
    )
    figures = (
        plots.learning_curves(histories, CURVES),
        plots.table_score_vs_time(comparison, "test_accuracy", score="test accuracy"),
        plots.confusion_matrix(
            metrics[best["variant"]]["test_confusion_matrix"], LABELS, title=f"{best['variant']}: test set"
        ),
    )
    return report.outputs(*figures)


KIND_NOTES = {
    "rnn": "a recurrent network alone",
    "hybrid": "a blend of RNN variants and NBSVM, weighted on validation (its validation accuracy is "
    "cross-fitted)",
    "linear": "a linear baseline: linear_tfidf (TF-IDF + logistic regression), nbsvm (binary word "
    "1-3-grams scaled by the naive-Bayes log-count ratio + logistic regression)",
}


def report_notes(comparison: pd.DataFrame) -> list[str]:
    """What each ``kind`` means, and the best of each kind on test."""
    notes = []
    for kind, meaning in KIND_NOTES.items():
        rows = comparison[comparison["kind"] == kind]
        if not rows.empty:
            top = rows.loc[rows["test_accuracy"].idxmax()]
            notes.append(
                f"kind {kind}: {meaning}. Best on test: {top['variant']} {top['test_accuracy']:.4f}."
            )
    return notes


def describe_run_inputs(
    reviews: pd.DataFrame, test: pd.DataFrame, tokenizer: dict[str, Any]
) -> dict[str, Any]:
    """Provenance of the run, for the parent MLflow run and ``champion.json``: sha256 of the validated
    data and of the test split, the git commit, and the vocabulary size."""
    provenance = {
        "data_sha256": table_sha256(reviews),
        "test_sha256": table_sha256(test),
        "rows": len(reviews),
        "vocabulary_size": len(tokenizer["vocabulary"]),
        **git_commit(),
    }
    logger.info("Run inputs: %s", provenance)
    return provenance


def read_prefixes(model: Any, tokens: Any, sequence_length: int) -> np.ndarray:
    """P(positive) after each token: the model reads every prefix of ``tokens`` (right-padded, so the
    mask hides the rest); the value at token *i* is what it concludes from the first *i* tokens."""
    tokens = list(tokens)[:sequence_length]
    prefixes = np.zeros((len(tokens), sequence_length), dtype=np.int32)
    for i in range(len(tokens)):
        prefixes[i, : i + 1] = tokens[: i + 1]
    return model.predict(prefixes, verbose=0).ravel().astype(float)


def read_along(
    model: Any, tokenizer: dict[str, Any], test: pd.DataFrame, options: dict[str, Any]
) -> tuple[Any, list[dict[str, Any]]]:
    """The model's memory as it reads: P(positive) after each word, for a few short test reviews.

    The model is run on every prefix of each review (right-padded, so the mask hides the rest): the
    prediction at word *i* is what the network concludes from the first *i* words.

    Args:
        options: ``reviews`` (how many, alternating labels), ``max_words`` (longest review shown), ``seed``.

    Returns:
        The figure and the readings (words, probabilities, label, review id) as JSON-able records.
    """
    test = test.reset_index(drop=True)
    vocabulary = np.asarray(tokenizer["vocabulary"], dtype=object)
    vectorizer = text.make_vectorizer(tokenizer["vocabulary"], standardize=tokenizer["standardize"])
    ids = vectorizer(np.asarray(test["text"].tolist(), dtype=object)).to_list()
    lengths = np.array([len(row) for row in ids])
    longest = min(options["max_words"], tokenizer["sequence_length"])
    short = test[(lengths >= 8) & (lengths <= longest)]
    per_label = [
        group.sample(min(len(group), options["reviews"]), random_state=options["seed"])
        for _, group in short.groupby("label")
    ]
    chosen = [frame.iloc[i] for i in range(options["reviews"]) for frame in per_label if i < len(frame)]
    readings = []
    for row in chosen[: options["reviews"]]:
        tokens = ids[row.name]
        probabilities = read_prefixes(model, tokens, tokenizer["sequence_length"])
        readings.append(
            {
                "review_id": str(row["review_id"]),
                "label": LABELS[int(row["label"])],
                "words": vocabulary[tokens].tolist(),
                "probabilities": probabilities.round(5).tolist(),
                "title": f"review {row['review_id']} (true: {LABELS[int(row['label'])]}, "
                f"final P(positive) = {probabilities[-1]:.2f})",
            }
        )
    return plots.prediction_while_reading(readings), readings
