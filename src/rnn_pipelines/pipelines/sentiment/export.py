"""Sentiment export nodes: the best variant as a SavedModel serving raw strings, its check in a fresh
TensorFlow process, and the blessing that decides whether it replaces the champion."""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd

from rnn_pipelines.pipelines.sentiment.nodes import classification_metrics, predict_texts
from rnn_pipelines.serving import blessing, text_classifier
from rnn_pipelines.serving.verify import verify_in_fresh_process

logger = logging.getLogger(__name__)


def _best_model(best: dict[str, Any], models: dict[str, Any]) -> Any:
    return models[f"model_{best['variant']}"]


def export_best_model(best: dict[str, Any], tokenizer: dict[str, Any], **models: Any) -> Any:
    """The best variant with its TextVectorization, as an ``ExportArchive`` whose ``serve`` signature
    takes raw strings. ``models`` are ``model_<variant>`` for every RNN variant."""
    return text_classifier.export_archive(_best_model(best, models), tokenizer)


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
    tokenizer: dict[str, Any],
    test: pd.DataFrame,
    options: dict[str, Any],
    **models: Any,
) -> dict[str, Any]:
    """Serve the exported model in a fresh process (TensorFlow only) and compare with the in-memory model.

    Returns:
        The check: number of inputs, max absolute difference, tolerance, passed.

    Raises:
        ExportMismatchError: The export cannot be served or differs by more than ``options["atol"]``.
    """
    texts = probe_texts(test, options)
    expected = predict_texts(_best_model(best, models), tokenizer, texts)
    return verify_in_fresh_process(model_dir, texts, expected, atol=options["atol"])


def _score_saved_model(model_dir: str, test: pd.DataFrame) -> float:
    """Test accuracy of a SavedModel's ``serve`` signature (for a champion scored on other data)."""
    probabilities = text_classifier.serve_texts(model_dir, test["text"].tolist())
    return classification_metrics(test["label"].to_numpy(), probabilities)["accuracy"]


def bless_candidate(
    model_dir: str,
    verification: dict[str, Any],
    best: dict[str, Any],
    comparison: pd.DataFrame,
    champion: dict[str, Any],
    provenance: dict[str, Any],
    test: pd.DataFrame,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Decide whether the exported best variant replaces the champion.

    Blessed when the export passed its check, its test accuracy beats the champion's on the same test
    set (a champion scored on another test set is re-scored on this one), and, unless
    ``options["require_beating_linear"]`` is false, the linear challenger's.

    Returns:
        ``blessed``, ``reason``, ``record`` (what ``champion.json`` will hold) and ``model_dir``.
    """
    test_accuracy = float(comparison.set_index("variant").loc[best["variant"], "test_accuracy"])
    linear = comparison.loc[comparison["kind"] == "linear", "test_accuracy"]
    record = {
        "variant": best["variant"],
        "metrics": json.loads(comparison.set_index("variant").loc[best["variant"]].drop("kind").to_json()),
        "test_accuracy": test_accuracy,
        **provenance,
    }
    champion_accuracy = champion.get("test_accuracy")
    if champion and champion.get("test_sha256") != provenance["test_sha256"]:
        champion_accuracy = _score_saved_model(champion["path"], test)
        logger.info("Champion re-scored on this run's test set: %.4f", champion_accuracy)
    return blessing.decide(
        variant=best["variant"],
        score=blessing.Score("test accuracy", higher_is_better=True),
        candidate=test_accuracy,
        champion=champion_accuracy,
        must_beat={"the linear challenger": float(linear.max())}
        if options["require_beating_linear"] and not linear.empty
        else {},
        verified=bool(verification.get("passed")),
        record=record,
        model_dir=model_dir,
    )
