"""Language-model tokenization and windows."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from rnn_pipelines.models import language

TEXT = "First Citizen:\nBefore we proceed, hear me speak.\n\nAll:\nSpeak, speak.\n"


def test_char_tokens_round_trip_exactly() -> None:
    pieces = language.token_list(TEXT, "char")
    assert pieces == list(TEXT)
    assert language.join(tf.constant(pieces), "char").numpy().decode() == TEXT


def test_word_tokens_split_punctuation_and_keep_line_breaks() -> None:
    pieces = language.token_list("First Citizen:\nBefore we  proceed,\thear me.", "word")
    assert pieces == ["first", "citizen", ":", "\n", "before", "we", "proceed", ",", "hear", "me", "."]
    joined = language.join(tf.constant(pieces), "word").numpy().decode()
    assert joined == "first citizen:\nbefore we proceed, hear me."


def test_vocabulary_comes_from_the_given_text_only() -> None:
    train, validation = "the king is dead\nthe king\n", "long live the queen\n"
    vocabulary = language.fit_vocabulary(train, level="word", max_tokens=100)
    assert vocabulary[:2] == ["the", "king"]  # most frequent first
    ids = language.encode(validation, vocabulary, level="word")
    words = language.token_list(validation, "word")
    unknown = [w for w, i in zip(words, ids, strict=True) if i == language.UNKNOWN_ID]
    assert unknown == ["long", "live", "queen"]  # seen only outside training: out of vocabulary
    assert language.fit_vocabulary(train, level="word", max_tokens=2) == ["the", "king"]


def test_char_vocabulary_keeps_every_character_and_unseen_ones_are_unknown() -> None:
    vocabulary = language.fit_vocabulary("abca\n", level="char", max_tokens=1)
    assert vocabulary == ["\n", "a", "b", "c"]
    assert language.encode("abz", vocabulary, level="char").tolist() == [2, 3, language.UNKNOWN_ID]


def test_unknown_level_is_named() -> None:
    with pytest.raises(ValueError, match=r"tokenization\.level must be one of"):
        language.check_level("byte")


def test_targets_are_the_inputs_shifted_by_one() -> None:
    ids = np.arange(1, 24, dtype=np.int32)
    data = language.windows(ids, sequence_length=5, stride=3, batch_size=100)
    inputs, targets = (t.numpy() for t in next(iter(data)))
    assert inputs.shape == targets.shape == (language.window_count(len(ids), 5, 3), 5)
    np.testing.assert_array_equal(targets[:, :-1], inputs[:, 1:])
    np.testing.assert_array_equal(targets[:, -1], inputs[:, -1] + 1)
    np.testing.assert_array_equal(inputs[:, 0], np.arange(1, 19, 3))  # one window every `stride` ids


def test_every_window_fits_inside_the_ids_and_shuffling_is_seeded() -> None:
    ids = np.arange(1, 101, dtype=np.int32)
    first = [
        x.numpy()[:, 0].tolist()
        for x, _ in language.windows(ids, sequence_length=10, stride=7, batch_size=4, seed=1)
    ]
    again = [
        x.numpy()[:, 0].tolist()
        for x, _ in language.windows(ids, sequence_length=10, stride=7, batch_size=4, seed=1)
    ]
    assert first == again
    starts = sorted(s for batch in first for s in batch)
    assert starts == list(range(1, 91, 7))  # the last window's target is id 100 at most
    assert language.window_count(10, 10, 1) == 0  # ten ids hold no window of ten inputs plus a target
