"""Sentiment export nodes: the best variant as a SavedModel serving raw strings, its check in a fresh
TensorFlow process, and what its blessing compares."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.datasets.selected import Selected
from rnn_pipelines.pipelines.sentiment.baselines import nbsvm_logits
from rnn_pipelines.pipelines.sentiment.behaviour import run_behaviour_checks
from rnn_pipelines.pipelines.sentiment.nodes import predict_texts
from rnn_pipelines.pipelines.sentiment.scoring import classification_metrics
from rnn_pipelines.schemas.models import HYBRID_BASELINES
from rnn_pipelines.serving import text_classifier
from rnn_pipelines.serving.verify import verify_in_fresh_process

logger = logging.getLogger(__name__)


def _split_members(selected: Selected) -> tuple[dict[str, Any], dict[str, Any]]:
    """A hybrid's members: RNN variants (Keras models) and n-gram models, by name."""
    ngram = {m: model for m, model in selected.members.items() if m in HYBRID_BASELINES}
    return {m: model for m, model in selected.members.items() if m not in ngram}, ngram


def export_best_model(best: dict[str, Any], selected: Selected, tokenizer: dict[str, Any]) -> Any:
    """The selected candidate as an ``ExportArchive`` whose ``serve`` signature takes raw strings: an RNN
    variant with its TextVectorization, or a hybrid with every member's fitted pieces."""
    selected = selected.of(best)
    if selected.blend is not None:
        return text_classifier.export_blend_archive(selected.blend, tokenizer, *_split_members(selected))
    return text_classifier.export_archive(selected.model, tokenizer)


def predict_candidate(selected: Selected, tokenizer: dict[str, Any], texts: list[str]) -> np.ndarray:
    """P(positive) of the selected candidate computed in memory (Keras models, NumPy n-gram model)."""
    if selected.blend is None:
        return predict_texts(selected.model, tokenizer, texts)
    models, ngram_models = _split_members(selected)
    logits = [
        nbsvm_logits(ngram_models[m], texts)
        if m in ngram_models
        else text_classifier.log_odds(predict_texts(models[m], tokenizer, texts))
        for m in selected.blend["members"]
    ]
    return text_classifier.blend_probabilities(selected.blend, logits)


def probe_texts(test: pd.DataFrame, options: dict[str, Any]) -> list[str]:
    """Inputs for the export check: a few test reviews, an empty string, punctuation only, non-ASCII
    text, and one review of ``long_review_words`` words (far beyond the sequence length)."""
    reviews = test["text"].head(options["test_reviews"]).tolist()
    words = " ".join(reviews).split() or ["film"]
    long_review = " ".join(words[i % len(words)] for i in range(options["long_review_words"]))
    return [*reviews, "", "!!! ...", "Ce film était magnifique — 10/10 ✓", long_review]


def verify_export(
    model_dir: str,
    best: dict[str, Any],
    selected: Selected,
    tokenizer: dict[str, Any],
    test: pd.DataFrame,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Serve the exported model in a fresh process (TensorFlow only) and compare with the in-memory model.

    Returns:
        The check: number of inputs, max absolute difference, tolerance, passed.

    Raises:
        ExportMismatchError: The export cannot be served or differs by more than ``options["atol"]``.
    """
    texts = probe_texts(test, options)
    expected = predict_candidate(selected.of(best), tokenizer, texts)
    return verify_in_fresh_process(model_dir, texts, expected, atol=options["atol"])


def check_candidate_behaviour(model_dir: str, verification: dict[str, Any]) -> dict[str, Any]:
    """The behaviour checks (minimum functionality, invariance to names, negation) on the exported
    candidate, through its ``serve`` signature: what a champion would answer. Runs after the export
    check passed (``verification``)."""
    classify = text_classifier.load_classifier(model_dir)
    report = run_behaviour_checks(lambda texts: classify(list(texts)))
    logger.info(
        "Behaviour of the candidate: %s",
        ", ".join(f"{family} {outcome['pass_rate']:.2f}" for family, outcome in report.items()),
    )
    return report


def score_champion(champion_dir: str, test: pd.DataFrame) -> float:
    """Test accuracy of a champion SavedModel's ``serve`` signature (a champion scored on other data)."""
    probabilities = text_classifier.serve_texts(champion_dir, test["text"].tolist())
    return classification_metrics(test["label"].to_numpy(), probabilities)["accuracy"]


def linear_rivals(comparison: pd.DataFrame, options: dict[str, Any]) -> dict[str, float]:
    """The best linear row's test accuracy (NBSVM or TF-IDF), which a champion must beat unless
    ``options["require_beating_linear"]`` is false."""
    linear = comparison[comparison["kind"] == "linear"]
    if not options["require_beating_linear"] or linear.empty:
        return {}
    strongest = linear.loc[linear["test_accuracy"].idxmax()]
    return {f"the best linear row {strongest['variant']}": float(strongest["test_accuracy"])}
