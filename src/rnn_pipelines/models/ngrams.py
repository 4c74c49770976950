"""Bags of word n-grams computed with TensorFlow ops, so fitting (scikit-learn) and serving (a SavedModel
graph) see exactly the same features.

A text is lower-cased (Unicode), every punctuation mark or symbol becomes a word of its own (``!`` and
``?`` carry sentiment: "great!!!" is ``great ! ! !``), words are split on whitespace, and every run of
1 to ``order`` words is one n-gram. Each n-gram is identified by a 62-bit FarmHash fingerprint
(``tf.strings.to_hash_bucket_fast``: stable across platforms and releases), so no string vocabulary is
stored and two distinct n-grams of a corpus practically never collide (about 10⁻⁵ for ten million).
The *vocabulary* is the sorted array of fingerprints kept at fitting time (those in at least ``min_df``
training texts); a feature's column is its position in that array (``searchsorted`` in NumPy and TF).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

PUNCTUATION = r"[^\p{L}\p{N}\s]"  # anything that is not a letter, a digit or a space: its own word
HASH_BUCKETS = 2**62
BATCH = 2048  # texts per TF call when featurising a corpus


def ngram_hashes(texts: Any, *, order: int) -> Any:
    """Fingerprints of every word n-gram (1 to ``order`` words) of each text:
    ragged ``int64 [batch, None]``."""
    import tensorflow as tf

    lowered = tf.strings.lower(texts, encoding="utf-8")
    spaced = tf.strings.regex_replace(lowered, PUNCTUATION, r" \0 ")
    words = tf.strings.split(spaced)
    grams = tf.strings.ngrams(words, ngram_width=tuple(range(1, order + 1)), separator=" ")
    return tf.strings.to_hash_bucket_fast(grams, HASH_BUCKETS)


def present_features(texts: Any, vocabulary: Any, *, order: int) -> tuple[Any, Any]:
    """Which vocabulary entries each text contains, once each (binary features).

    Args:
        texts: ``tf.string [batch]``.
        vocabulary: Sorted ``int64`` fingerprints (``fit_vocabulary``).

    Returns:
        ``(rows, columns)``: ``int64`` tensors of the same length, one pair per (text, n-gram) present.
    """
    import tensorflow as tf

    hashes = ngram_hashes(texts, order=order)
    size = tf.shape(vocabulary, out_type=tf.int64)[0]
    rows = hashes.value_rowids()
    position = tf.searchsorted(vocabulary, hashes.flat_values, out_type=tf.int64)
    found = tf.gather(vocabulary, tf.minimum(position, size - 1)) == hashes.flat_values
    pairs = tf.boolean_mask(rows, found) * size + tf.boolean_mask(position, found)
    unique, _ = tf.unique(pairs)
    return unique // size, unique % size


def _batches(texts: Sequence[str]) -> Any:
    import tensorflow as tf

    for start in range(0, len(texts), BATCH):
        yield start, tf.constant(list(texts[start : start + BATCH]), dtype=tf.string)


def fit_vocabulary(texts: Sequence[str], *, order: int, min_df: int) -> np.ndarray:
    """The fingerprints of the n-grams found in at least ``min_df`` of ``texts``, sorted (``int64``)."""
    distinct = []  # each text's distinct fingerprints, all texts concatenated
    for _, batch in _batches(texts):
        hashes = ngram_hashes(batch, order=order)
        rows, values = hashes.value_rowids().numpy(), hashes.flat_values.numpy()
        by_row = np.lexsort((values, rows))
        rows, values = rows[by_row], values[by_row]
        first = np.ones(len(values), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (values[1:] != values[:-1])
        distinct.append(values[first])
    if not distinct:
        return np.zeros(0, dtype=np.int64)
    keys, frequency = np.unique(np.concatenate(distinct), return_counts=True)
    return keys[frequency >= min_df]


def binary_matrix(texts: Sequence[str], vocabulary: np.ndarray, *, order: int) -> Any:
    """``scipy.sparse.csr_matrix [len(texts), len(vocabulary)]`` of 0/1 (``float32``): n-gram present
    or not."""
    import scipy.sparse as sp
    import tensorflow as tf

    table = tf.constant(vocabulary, dtype=tf.int64)
    rows, columns = [], []
    for start, batch in _batches(texts):
        r, c = present_features(batch, table, order=order)
        rows.append(r.numpy() + start)
        columns.append(c.numpy())
    row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    column = np.concatenate(columns) if columns else np.zeros(0, np.int64)
    values = np.ones(len(row), dtype=np.float32)
    return sp.csr_matrix((values, (row, column)), shape=(len(texts), len(vocabulary)))


def linear_logits(texts: Any, vocabulary: Any, weights: Any, bias: Any, *, order: int) -> Any:
    """A linear model over the binary n-gram features, in TF: ``float32 [batch]`` logits.

    ``weights[j]`` is the weight of ``vocabulary[j]``; texts with no known n-gram get ``bias``.
    """
    import tensorflow as tf

    rows, columns = present_features(texts, vocabulary, order=order)
    batch = tf.shape(texts, out_type=tf.int64)[0]
    return tf.math.unsorted_segment_sum(tf.gather(weights, columns), rows, batch) + bias
