"""Sentiment export nodes: the best variant as a SavedModel serving raw strings, its check in a fresh
TensorFlow process, and the blessing that decides whether it replaces the champion."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.pipelines.sentiment.baselines import nbsvm_logits
from rnn_pipelines.pipelines.sentiment.behaviour import run_behaviour_checks
from rnn_pipelines.pipelines.sentiment.hybrids import EXPORTABLE_BASELINES
from rnn_pipelines.pipelines.sentiment.nodes import predict_texts
from rnn_pipelines.pipelines.sentiment.scoring import classification_metrics
from rnn_pipelines.serving import blessing, text_classifier
from rnn_pipelines.serving.verify import verify_in_fresh_process

logger = logging.getLogger(__name__)


def _parts(inputs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The export nodes' ``model_<variant>``, ``blend_<hybrid>`` and n-gram model inputs, by name."""
    models = {k.removeprefix("model_"): v for k, v in inputs.items() if k.startswith("model_")}
    blends = {k.removeprefix("blend_"): v for k, v in inputs.items() if k.startswith("blend_")}
    ngram_models = {name: inputs[name] for name in EXPORTABLE_BASELINES if name in inputs}
    return models, blends, ngram_models


def export_best_model(best: dict[str, Any], tokenizer: dict[str, Any], **inputs: Any) -> Any:
    """The selected candidate as an ``ExportArchive`` whose ``serve`` signature takes raw strings: an RNN
    variant with its TextVectorization, or a hybrid with every member's fitted pieces.

    ``inputs`` are ``model_<variant>`` (every RNN), ``blend_<hybrid>`` (every hybrid) and ``nbsvm``.
    """
    models, blends, ngram_models = _parts(inputs)
    if best["kind"] == "hybrid":
        return text_classifier.export_blend_archive(blends[best["variant"]], tokenizer, models, ngram_models)
    return text_classifier.export_archive(models[best["variant"]], tokenizer)


def predict_candidate(
    best: dict[str, Any], tokenizer: dict[str, Any], texts: list[str], **inputs: Any
) -> np.ndarray:
    """P(positive) of the selected candidate computed in memory (Keras models, NumPy n-gram model)."""
    models, blends, ngram_models = _parts(inputs)
    if best["kind"] != "hybrid":
        return predict_texts(models[best["variant"]], tokenizer, texts)
    blend = blends[best["variant"]]
    logits = [
        nbsvm_logits(ngram_models[m], texts)
        if m in ngram_models
        else text_classifier.log_odds(predict_texts(models[m], tokenizer, texts))
        for m in blend["members"]
    ]
    return text_classifier.blend_probabilities(blend, logits)


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
    **inputs: Any,
) -> dict[str, Any]:
    """Serve the exported model in a fresh process (TensorFlow only) and compare with the in-memory model.

    Returns:
        The check: number of inputs, max absolute difference, tolerance, passed.

    Raises:
        ExportMismatchError: The export cannot be served or differs by more than ``options["atol"]``.
    """
    texts = probe_texts(test, options)
    expected = predict_candidate(best, tokenizer, texts, **inputs)
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
    ``options["require_beating_linear"]`` is false, the best linear row's (NBSVM or TF-IDF).

    Returns:
        ``blessed``, ``reason``, ``record`` (what ``champion.json`` will hold) and ``model_dir``.
    """
    test_accuracy = float(comparison.set_index("variant").loc[best["variant"], "test_accuracy"])
    linear = comparison[comparison["kind"] == "linear"]
    strongest = linear.loc[linear["test_accuracy"].idxmax()] if not linear.empty else None
    record = {
        "variant": best["variant"],
        "kind": best.get("kind", "rnn"),
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
        must_beat={f"the best linear row {strongest['variant']}": float(strongest["test_accuracy"])}
        if options["require_beating_linear"] and strongest is not None
        else {},
        verified=bool(verification.get("passed")),
        record=record,
        model_dir=model_dir,
    )
