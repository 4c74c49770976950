"""Language-model tokenization and windows, shared by training, sampling and the exported generator.

Two levels: ``char`` (every character is a token, newline included) and ``word`` (lower-cased words,
punctuation marks and line breaks as separate tokens). Tokenization is written in TensorFlow ops, so the
exported SavedModel tokenizes a prompt exactly as training did. Index 0 is ``[UNK]`` (a token outside the
training vocabulary); ids ``1..`` follow the vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

LEVELS = ("char", "word")
UNKNOWN = "[UNK]"
UNKNOWN_ID = 0
_PUNCTUATION = r"([^\w\s])"  # RE2: one non-word, non-space character
_SPACES = r"[ \t\r\f\v]+"


def check_level(level: str) -> str:
    """``level`` itself, or a ``ValueError`` naming the allowed values."""
    if level not in LEVELS:
        raise ValueError(f"text_generation.tokenization.level must be one of {LEVELS}, got '{level}'")
    return level


def tokens(text: Any, level: str) -> Any:
    """The tokens of one string (a ``tf.string`` scalar) as a 1-D ``tf.string`` tensor."""
    import tensorflow as tf

    check_level(level)
    if level == "char":
        return tf.strings.unicode_split(text, "UTF-8")
    spaced = tf.strings.regex_replace(tf.strings.lower(text), _PUNCTUATION, r" \1 ")
    spaced = tf.strings.regex_replace(spaced, "\n", " \n ")
    spaced = tf.strings.regex_replace(spaced, _SPACES, " ")
    pieces = tf.strings.split(spaced, sep=" ")
    return tf.boolean_mask(pieces, tf.not_equal(pieces, ""))


def join(pieces: Any, level: str) -> Any:
    """Tokens (1-D ``tf.string``) back to one string: characters concatenated; words separated by
    spaces, with none before punctuation or around line breaks."""
    import tensorflow as tf

    if level == "char":
        return tf.strings.reduce_join(pieces)
    text = tf.strings.reduce_join(pieces, separator=" ")
    text = tf.strings.regex_replace(text, r" ?\n ?", "\n")
    return tf.strings.regex_replace(text, r" " + _PUNCTUATION, r"\1")


def token_list(text: str, level: str) -> list[str]:
    """``tokens`` for a Python string, as Python strings."""
    import tensorflow as tf

    return [t.decode("utf-8") for t in tokens(tf.constant(text), level).numpy()]


def fit_vocabulary(text: str, *, level: str, max_tokens: int | None) -> list[str]:
    """The vocabulary of ``text`` (the training part only): every character for ``char``; the
    ``max_tokens`` most frequent tokens for ``word`` (ties by first appearance). ``[UNK]`` not included."""
    counts = Counter(token_list(text, level))
    if level == "char":
        return sorted(counts)
    ranked = counts.most_common(max_tokens)
    return [token for token, _ in ranked]


def lookup(vocabulary: Sequence[str], *, invert: bool = False) -> Any:
    """A ``StringLookup``: token → id (``[UNK]`` = 0), or id → token with ``invert``."""
    import keras

    return keras.layers.StringLookup(
        vocabulary=list(vocabulary), num_oov_indices=1, mask_token=None, oov_token=UNKNOWN, invert=invert
    )


def encode(text: str, vocabulary: Sequence[str], *, level: str) -> np.ndarray:
    """``text`` as an ``int32`` id array."""
    import tensorflow as tf

    return lookup(vocabulary)(tokens(tf.constant(text), level)).numpy().astype(np.int32)


def window_starts(length: int, sequence_length: int, stride: int) -> np.ndarray:
    """First position of every window of ``sequence_length`` inputs plus one target in ``length`` ids."""
    return np.arange(0, max(length - sequence_length, 0), stride, dtype=np.int64)


def window_count(length: int, sequence_length: int, stride: int) -> int:
    """How many windows ``window_starts`` gives."""
    return len(window_starts(length, sequence_length, stride))


def windows(
    ids: np.ndarray,
    *,
    sequence_length: int,
    stride: int,
    batch_size: int,
    seed: int | None = None,
    drop_remainder: bool = False,
) -> Any:
    """A ``tf.data`` pipeline of ``(inputs, targets)`` batches: ``targets`` are ``inputs`` shifted by one
    token, for every position. Windows are sliced from ``ids`` on the fly (never materialised); with a
    ``seed`` their order is shuffled every epoch."""
    import tensorflow as tf

    if stride < 1 or sequence_length < 1:
        raise ValueError(f"sequence_length and stride must be >= 1, got {sequence_length} and {stride}")
    corpus = tf.constant(ids, dtype=tf.int32)
    starts = window_starts(len(ids), sequence_length, stride)
    data = tf.data.Dataset.from_tensor_slices(starts)
    if seed is not None:
        data = data.shuffle(len(starts), seed=seed, reshuffle_each_iteration=True)
    data = data.map(
        lambda i: (corpus[i : i + sequence_length], corpus[i + 1 : i + sequence_length + 1]),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return data.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)
