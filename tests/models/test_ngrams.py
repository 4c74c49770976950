"""Word n-gram features computed by TF ops: checked against a hand computation of the same n-grams."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_pipelines.models import ngrams


def fingerprints(grams: list[str]) -> list[int]:
    """The hand computation: the n-gram strings as a reader writes them, fingerprinted."""
    import tensorflow as tf

    return tf.strings.to_hash_bucket_fast(tf.constant(grams), ngrams.HASH_BUCKETS).numpy().tolist()


def test_punctuation_marks_are_words_and_case_is_folded() -> None:
    import tensorflow as tf

    hashes = ngrams.ngram_hashes(tf.constant(["Great film!!", "ÉTÉ"]), order=2).to_list()
    assert hashes[0] == fingerprints(["great", "film", "!", "!", "great film", "film !", "! !"])
    assert hashes[1] == fingerprints(["été"])  # Unicode lower-casing, not ASCII only


def test_order_three_adds_trigrams_only_where_there_are_three_words() -> None:
    import tensorflow as tf

    hashes = ngrams.ngram_hashes(tf.constant(["not a bad film", "ok", ""]), order=3).to_list()
    assert hashes[0] == fingerprints(
        ["not", "a", "bad", "film", "not a", "a bad", "bad film", "not a bad", "a bad film"]
    )
    assert hashes[1] == fingerprints(["ok"]) and hashes[2] == []


def test_vocabulary_keeps_ngrams_in_at_least_min_df_texts_counted_once_per_text() -> None:
    texts = ["good good good", "good film", "bad"]
    vocabulary = ngrams.fit_vocabulary(texts, order=1, min_df=2)
    assert vocabulary.tolist() == fingerprints(["good"])  # "good" is in 2 texts; 3 times in one counts once
    assert ngrams.fit_vocabulary(texts, order=2, min_df=1).tolist() == sorted(
        fingerprints(["good", "good good", "film", "good film", "bad"])
    )


def test_binary_matrix_marks_presence_once_and_ignores_unknown_ngrams() -> None:
    vocabulary = ngrams.fit_vocabulary(["good film", "bad film"], order=2, min_df=1)
    column = {h: i for i, h in enumerate(vocabulary.tolist())}
    matrix = ngrams.binary_matrix(["good good film", "terrible", ""], vocabulary, order=2).toarray()
    expected = np.zeros((3, len(vocabulary)), dtype=np.float32)
    for gram in ["good", "film", "good film"]:  # "good good" is not in the vocabulary
        expected[0, column[fingerprints([gram])[0]]] = 1
    np.testing.assert_array_equal(matrix, expected)


def test_linear_logits_in_the_graph_equal_the_sparse_product() -> None:
    import tensorflow as tf

    train = ["a great great film", "an awful film!", "great acting, awful plot"]
    vocabulary = ngrams.fit_vocabulary(train, order=3, min_df=1)
    weights = np.random.default_rng(0).normal(size=len(vocabulary)).astype(np.float32)
    texts = [*train, "", "unseen words only", "Great!!! great film"]
    expected = ngrams.binary_matrix(texts, vocabulary, order=3) @ weights + 0.25
    served = ngrams.linear_logits(
        tf.constant(texts), tf.constant(vocabulary), tf.constant(weights), tf.constant(0.25), order=3
    ).numpy()
    np.testing.assert_allclose(served, expected, atol=1e-5)
    assert served[3] == pytest.approx(0.25) and served[4] == pytest.approx(0.25)  # nothing known: bias
