"""Tokenization: fitted on given texts only, truncation side, right padding, never an empty row."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_pipelines.models.text import OOV, PAD, encode_texts, fit_vocabulary

STANDARDIZE = "lower_and_strip_punctuation"


def test_vocabulary_comes_from_the_given_texts_only() -> None:
    vocabulary = fit_vocabulary(["a great film", "a dull film"], max_tokens=100, standardize=STANDARDIZE)
    assert vocabulary[:2] == ["", "[UNK]"]
    assert set(vocabulary[2:]) == {"a", "film", "great", "dull"}
    encoded = encode_texts(
        ["a superb film"], vocabulary, standardize=STANDARDIZE, sequence_length=3, truncate="post"
    )
    assert encoded[0, 1] == OOV  # "superb" was never seen while fitting
    assert vocabulary[encoded[0, 0]] == "a" and vocabulary[encoded[0, 2]] == "film"


def test_max_tokens_keeps_the_most_frequent() -> None:
    vocabulary = fit_vocabulary(["x x x y y z"], max_tokens=4, standardize=STANDARDIZE)
    assert vocabulary == ["", "[UNK]", "x", "y"]


@pytest.mark.parametrize(("truncate", "expected"), [("post", ["one", "two"]), ("pre", ["four", "five"])])
def test_truncation_side(truncate: str, expected: list[str]) -> None:
    vocabulary = ["", "[UNK]", "one", "two", "three", "four", "five"]
    encoded = encode_texts(
        ["One two three four five"], vocabulary, standardize=STANDARDIZE, sequence_length=2, truncate=truncate
    )
    assert [vocabulary[i] for i in encoded[0]] == expected


def test_short_rows_are_right_padded_and_empty_rows_get_one_token() -> None:
    vocabulary = ["", "[UNK]", "good"]
    encoded = encode_texts(
        ["good", "!!!", "Good good"], vocabulary, standardize=STANDARDIZE, sequence_length=4, truncate="post"
    )
    assert encoded.dtype == np.int32
    assert encoded.tolist() == [[2, PAD, PAD, PAD], [OOV, PAD, PAD, PAD], [2, 2, PAD, PAD]]


def test_unknown_truncation_side_is_rejected() -> None:
    with pytest.raises(
        ValueError, match=r"tokenization.truncate must be one of \('post', 'pre'\), got 'middle'"
    ):
        encode_texts(["x"], ["", "[UNK]", "x"], standardize=STANDARDIZE, sequence_length=2, truncate="middle")
