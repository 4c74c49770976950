"""Tokenization: fitted on given texts only, truncation side, right padding, never an empty row;
length-bucketed batches: only padding is cut, every row once, predictions unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_pipelines.models.text import (
    OOV,
    PAD,
    encode_texts,
    fit_vocabulary,
    length_batches,
    predict_in_length_order,
    sequence_lengths,
)

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


def _padded(lengths: list[int], width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros((len(lengths), width), np.int32)
    for row, length in enumerate(lengths):
        x[row, :length] = rng.integers(2, 30, length)
    return x


def test_training_batches_hold_similar_lengths_and_cut_only_padding() -> None:
    lengths = np.random.default_rng(1).integers(1, 41, 200).tolist()
    x = _padded(lengths, 40)
    y = np.arange(200) % 2
    batches = [
        (b.numpy(), t.numpy()) for b, t in length_batches(x, y, batch_size=16, bucket_width=10, seed=3)
    ]
    assert {b.shape[1] for b, _ in batches} <= {10, 20, 30, 40}
    seen = []
    for tokens, labels in batches:
        assert tokens.shape[0] <= 16
        kept = sequence_lengths(tokens)
        assert kept.max() <= tokens.shape[1] and kept.min() > tokens.shape[1] - 10  # one bucket per batch
        for row, label in zip(tokens, labels, strict=True):
            seen.append((tuple(row[row != PAD]), float(label)))
    expected = [(tuple(row[row != PAD]), float(label)) for row, label in zip(x, y, strict=True)]
    assert sorted(seen) == sorted(expected)  # every review once, whole, with its own label
    # the number of batches is known before the first epoch (Keras' step count and the progress' ETA)
    assert length_batches(x, y, batch_size=16, bucket_width=10, seed=3).cardinality().numpy() == len(batches)


def test_the_batch_count_is_exact_for_every_bucket_layout() -> None:
    for lengths, batch_size in (([1] * 7, 3), ([40] * 16, 16), ([0, 3, 10, 11, 39, 40, 40], 2)):
        data = length_batches(
            _padded(lengths, 40), np.zeros(len(lengths)), batch_size=batch_size, bucket_width=10, seed=0
        )
        assert sum(1 for _ in data) == data.cardinality().numpy()  # assert_cardinality fails on a miscount


def test_training_batches_are_seeded_and_reshuffled_every_epoch() -> None:
    x, y = _padded([5] * 64, 10), np.arange(64)

    def epoch_orders(seed: int) -> list[list[float]]:
        data = length_batches(x, y, batch_size=64, bucket_width=5, seed=seed)
        return [next(iter(data))[1].numpy().tolist() for _ in range(2)]

    first, second = epoch_orders(7)
    assert first != second and first == epoch_orders(7)[0]


def test_length_ordered_predictions_come_back_in_row_order() -> None:
    import keras

    x = _padded(np.random.default_rng(2).integers(1, 31, 90).tolist(), 30)
    inputs = keras.Input(shape=(None,), dtype="int32")
    hidden = keras.layers.LSTM(4)(keras.layers.Embedding(30, 8, mask_zero=True)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))
    reference = model.predict(x, verbose=0)
    cut = predict_in_length_order(model, x, batch_size=8, bucket_width=10)
    np.testing.assert_allclose(cut, reference, atol=1e-6)
    np.testing.assert_allclose(predict_in_length_order(model, x, batch_size=8, bucket_width=0), reference)


@pytest.mark.parametrize("bad", [-5, 2.5, "50", True])
def test_bad_bucket_width_is_named(bad: object) -> None:
    with pytest.raises(ValueError, match=r"training.bucket_width must be a whole number of tokens"):
        length_batches(_padded([3], 5), np.zeros(1), batch_size=4, bucket_width=bad)  # type: ignore[arg-type]
