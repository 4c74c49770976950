"""Sentiment nodes: the split, train-only tokenizer, metrics and selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.pipelines.sentiment.nodes import (
    classification_metrics,
    compare_variants,
    encode_reviews,
    encode_test_reviews,
    fit_tokenizer,
    select_best_variant,
    split_reviews,
)

TOKENIZATION = {
    "max_tokens": 50,
    "sequence_length": 6,
    "standardize": "lower_and_strip_punctuation",
    "truncate": "post",
}


def reviews(n_per_group: int = 20) -> pd.DataFrame:
    rows = []
    for split in ("train", "test"):
        for label, word in ((1, "great"), (0, "awful")):
            rows += [
                (f"{split}/{label}/{i}", f"a {word} {split}word film number {i}", label, 8, split)
                for i in range(n_per_group)
            ]
    return pd.DataFrame(rows, columns=["review_id", "text", "label", "rating", "split"])


def test_split_carves_validation_from_train_only_stratified_and_seeded() -> None:
    table = reviews()
    train, validation, test = split_reviews(table, {"validation_size": 0.25, "seed": 3})
    assert (len(train), len(validation), len(test)) == (30, 10, 40)
    assert validation["label"].mean() == 0.5 and train["label"].mean() == 0.5
    assert train["review_id"].str.startswith("train/").all()
    assert validation["review_id"].str.startswith("train/").all()
    assert test["review_id"].str.startswith("test/").all()
    assert not set(train["review_id"]) & set(validation["review_id"])
    again = split_reviews(table, {"validation_size": 0.25, "seed": 3})[1]
    pd.testing.assert_frame_equal(validation, again)


def test_tokenizer_is_fitted_on_train_only_and_test_words_are_oov() -> None:
    train, _, test = split_reviews(reviews(), {"validation_size": 0.25, "seed": 3})
    tokenizer = fit_tokenizer(train, TOKENIZATION)
    assert "trainword" in tokenizer["vocabulary"]
    assert "testword" not in tokenizer["vocabulary"]  # a word seen only in test
    encoded = encode_test_reviews(test, tokenizer)
    position = 2  # "a <sentiment> testword ..."
    assert (encoded["x"][:, position] == 1).all()  # [UNK]
    assert encoded["x"].shape == (40, 6) and encoded["y"].tolist() == test["label"].tolist()


def test_encoded_model_input_holds_train_and_validation_only() -> None:
    train, validation, _ = split_reviews(reviews(), {"validation_size": 0.25, "seed": 3})
    encoded = encode_reviews(train, validation, fit_tokenizer(train, TOKENIZATION))
    assert set(encoded) == {"train", "validation"}
    assert encoded["train"]["x"].shape == (30, 6) and encoded["validation"]["x"].dtype == np.int32


def test_classification_metrics_on_known_predictions() -> None:
    labels = np.array([0, 0, 1, 1])
    metrics = classification_metrics(labels, np.array([0.1, 0.6, 0.4, 0.9]))
    assert metrics["accuracy"] == 0.5
    assert metrics["roc_auc"] == 0.75
    assert metrics["f1"] == 0.5
    assert metrics["confusion_matrix"] == [[1, 1], [1, 1]]


def metrics(variant: str, kind: str, val: float, test: float) -> dict:
    return {
        "variant": variant,
        "kind": kind,
        "val_accuracy": val,
        "test_accuracy": test,
        "test_roc_auc": 0.9,
        "test_f1": 0.9,
        "test_confusion_matrix": [[1, 0], [0, 1]],
        "epochs_run": 1,
        "best_epoch": 1,
        "train_seconds": 1.0,
        "parameters": 10,
    }


def test_selection_uses_validation_never_test() -> None:
    table = compare_variants(
        lstm=metrics("lstm", "rnn", val=0.86, test=0.80),
        gru=metrics("gru", "rnn", val=0.84, test=0.95),  # best on test, but test must not decide
        linear_tfidf=metrics("linear_tfidf", "linear", val=0.88, test=0.88),
    )
    assert table["variant"].tolist() == ["linear_tfidf", "lstm", "gru"]
    assert "test_confusion_matrix" not in table.columns
    best = select_best_variant(table)
    assert best["variant"] == "lstm"  # the linear challenger competes but is not an RNN variant
    assert best["beats_linear_challenger"] is False


def test_selection_does_not_depend_on_row_order() -> None:
    table = compare_variants(
        lstm=metrics("lstm", "rnn", val=0.86, test=0.80), gru=metrics("gru", "rnn", val=0.84, test=0.95)
    )
    assert select_best_variant(table.iloc[::-1].reset_index(drop=True))["variant"] == "lstm"


def test_selection_reports_beating_the_challenger() -> None:
    table = compare_variants(
        lstm=metrics("lstm", "rnn", 0.90, 0.9), linear=metrics("linear", "linear", 0.88, 0.88)
    )
    assert select_best_variant(table)["beats_linear_challenger"] is True


@pytest.mark.parametrize("bad", ["middle", "both"])
def test_bad_truncate_parameter_fails_before_encoding(bad: str) -> None:
    train, validation, _ = split_reviews(reviews(), {"validation_size": 0.25, "seed": 3})
    tokenizer = {**fit_tokenizer(train, TOKENIZATION), "truncate": bad}
    with pytest.raises(ValueError, match=f"got '{bad}'"):
        encode_reviews(train, validation, tokenizer)
