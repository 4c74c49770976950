"""Linear baselines: NBSVM's ratios come from the training split only, its C from validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from rnn_pipelines.pipelines.sentiment.baselines import (
    evaluate_nbsvm,
    log_count_ratio,
    nbsvm_logits,
    train_nbsvm,
)

OPTIONS = {"ngram_order": 2, "min_df": 1, "smoothing": 1.0, "C": [0.01, 1.0], "max_iter": 1000, "seed": 0}


def frame(texts: list[str], labels: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"review_id": [str(i) for i in range(len(texts))], "text": texts, "label": labels})


def corpus(n: int, extra: str = "") -> pd.DataFrame:
    texts = [
        f"a great film {extra} number {i}" if i % 2 else f"an awful film {extra} number {i}" for i in range(n)
    ]
    return frame(texts, [i % 2 for i in range(n)])


def test_log_count_ratio_by_hand() -> None:
    features = sp.csr_matrix(np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32))
    labels = np.array([1, 1, 0])
    ratio = log_count_ratio(features, labels, smoothing=1.0)
    p, q = np.array([3.0, 2.0]), np.array([1.0, 2.0])  # alpha + column sums over positives / negatives
    np.testing.assert_allclose(ratio, np.log((p / p.sum()) / (q / q.sum())), rtol=1e-6)


def test_ngrams_seen_only_outside_training_weigh_nothing() -> None:
    train, validation = corpus(40), corpus(10, extra="zyzzyva")
    model, _ = train_nbsvm(train, validation, OPTIONS)
    logits = nbsvm_logits(model, ["a great film", "a great film zyzzyva", "zyzzyva"])
    assert logits[0] == pytest.approx(logits[1], abs=1e-6)  # a validation-only word changes nothing
    assert logits[2] == pytest.approx(float(model["bias"]), abs=1e-6)  # only unknown n-grams: the bias


def test_nbsvm_separates_a_learnable_corpus_and_picks_c_on_validation() -> None:
    train, validation, test = corpus(60), corpus(20), corpus(20)
    model, summary = train_nbsvm(train, validation, OPTIONS)
    assert set(model["val_accuracy_by_C"]) == {"0.01", "1.0"}
    best = max(model["val_accuracy_by_C"].values())
    assert model["val_accuracy_by_C"][str(model["C"])] == best
    assert summary["parameters"] == len(model["vocabulary"]) + 1 and summary["epochs_run"] is None
    metrics, scores = evaluate_nbsvm(model, validation, test, summary)
    assert metrics["kind"] == "linear" and metrics["variant"] == "nbsvm"
    assert metrics["test_accuracy"] == 1.0
    assert scores["logits"]["test"].shape == (20,)
    assert (scores["logits"]["test"] > 0).tolist() == (test["label"] == 1).tolist()
