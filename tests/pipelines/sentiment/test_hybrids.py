"""Hybrids: checked before training, blended on validation only, selected on validation only."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.pipelines.sentiment.hybrids import HybridSpecError, blend_members, check_hybrids
from tests.pipelines.sentiment.test_nodes import compare_variants, metrics, select_best_variant

VARIANTS = {"lstm": {"layers": []}, "gru": {"layers": []}}
OPTIONS = {"C": 1.0, "folds": 5, "seed": 0}


@pytest.mark.parametrize(
    ("hybrids", "message"),
    [
        (
            {"h": {"blend": ["lstm", "cnn"]}},
            r"hybrids\.h\.blend = \['lstm', 'cnn'\]: \['cnn'\] are not variants or nbsvm",
        ),
        ({"h": {"blend": ["lstm", "linear_tfidf"]}}, r"\['linear_tfidf'\] are not variants or nbsvm"),
        ({"h": {"blend": ["lstm"]}}, "List should have at least 2 items"),
        (
            {"h": {"blend": ["lstm", "lstm"]}},
            r"\['lstm'\] named more than once: two or more different members",
        ),
        ({"lstm": {"blend": ["gru", "nbsvm"]}}, r"hybrids\.lstm = .*: the name is already a variant's"),
        ({"h": {"blend": ["gru", "nbsvm"], "weights": [1, 2]}}, r"hybrids\.h\.weights: not a known key"),
        ({"h": ["gru", "nbsvm"]}, "Input should be a valid dictionary"),
    ],
)
def test_malformed_hybrids_are_named(hybrids: dict, message: str) -> None:
    with pytest.raises(HybridSpecError, match=r"^sentiment\.hybrids\.") as error:
        check_hybrids(hybrids, VARIANTS)
    assert re.search(message, str(error.value))


def test_a_hybrid_is_configuration() -> None:
    assert check_hybrids({"mix": {"blend": ["gru", "nbsvm"]}}, VARIANTS) == {"mix": ["gru", "nbsvm"]}
    assert check_hybrids(None, VARIANTS) == {}


def labelled(n: int) -> tuple[pd.DataFrame, np.ndarray]:
    labels = np.tile([0, 1], n // 2)
    return pd.DataFrame({"text": ["x"] * n, "label": labels}), labels


def member_inputs(val_labels: np.ndarray, test_labels: np.ndarray) -> dict:
    """A member that knows the label (with noise) and one that is noise only."""
    rng = np.random.default_rng(1)

    def logits(labels: np.ndarray, signal: float) -> np.ndarray:
        return signal * (2 * labels - 1) + rng.normal(size=len(labels))

    card = {"train_seconds": 2.0, "parameters": 10}
    return {
        "metrics_gru": card,
        "metrics_nbsvm": card,
        "scores_gru": {"probabilities": {"validation": rng.uniform(size=400), "test": rng.uniform(size=400)}},
        "scores_nbsvm": {"logits": {"validation": logits(val_labels, 2.0), "test": logits(test_labels, 2.0)}},
    }


def test_blend_weights_the_informative_member_and_scores_like_a_variant() -> None:
    validation, y_val = labelled(400)
    test, y_test = labelled(400)
    blend, card = blend_members(
        validation, test, OPTIONS, hybrid="mix", members=["gru", "nbsvm"], **member_inputs(y_val, y_test)
    )
    assert blend["members"] == ["gru", "nbsvm"]
    assert blend["weights"][1] > 1.0 and abs(blend["weights"][0]) < 0.5
    assert card["kind"] == "hybrid" and card["variant"] == "mix"
    assert card["val_accuracy"] > 0.9 and card["test_accuracy"] > 0.9
    assert card["parameters"] == 10 + 10 + 3 and card["train_seconds"] >= 4.0


def test_blend_is_fitted_on_validation_only() -> None:
    validation, y_val = labelled(400)
    test, y_test = labelled(400)
    inputs = member_inputs(y_val, y_test)
    blend, card = blend_members(validation, test, OPTIONS, hybrid="mix", members=["gru", "nbsvm"], **inputs)
    flipped = test.assign(label=1 - test["label"])
    blend_flipped, card_flipped = blend_members(
        validation, flipped, OPTIONS, hybrid="mix", members=["gru", "nbsvm"], **inputs
    )
    assert blend_flipped == blend and card_flipped["val_accuracy"] == card["val_accuracy"]
    assert card_flipped["test_accuracy"] == pytest.approx(1 - card["test_accuracy"])


def test_selection_picks_among_rnns_and_hybrids_on_validation_only() -> None:
    table = compare_variants(
        lstm=metrics("lstm", "rnn", val=0.88, test=0.95),  # best on test: test must not decide
        mix=metrics("mix", "hybrid", val=0.92, test=0.90),
        nbsvm=metrics("nbsvm", "linear", val=0.93, test=0.91),  # best on validation, but a challenger
    )
    best = select_best_variant(table)
    assert (best["variant"], best["kind"]) == ("mix", "hybrid")
    assert best["best_rnn"] == "lstm" and best["best_linear"] == "nbsvm"
    assert best["beats_linear_challenger"] is False
