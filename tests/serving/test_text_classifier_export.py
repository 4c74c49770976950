"""The exported SavedModel serves raw strings in a fresh TensorFlow-only process, like the Keras model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rnn_pipelines.datasets.selected import Selected
from rnn_pipelines.pipelines.sentiment.nodes import predict_texts
from rnn_pipelines.serving.verify import ExportMismatchError, verify_in_fresh_process

TEXTS = [
    "The film was GREAT!",
    "not good, not good at all",
    "",  # empty: served as one [UNK] token, like in training
    "!!! ...",
    " ".join(["awful"] * 2500 + ["great"] * 2500),  # 5,000 words, truncated to the last 8 tokens
]


def test_export_round_trips_in_a_fresh_process(exported: str, classifier: Any, tokenizer: dict) -> None:
    expected = predict_texts(classifier, tokenizer, TEXTS)
    report = verify_in_fresh_process(exported, TEXTS, expected, atol=1e-5)
    assert report == {
        "inputs": len(TEXTS),
        "max_abs_difference": pytest.approx(0, abs=1e-5),
        "atol": 1e-5,
        "passed": True,
    }


def test_truncation_side_is_part_of_the_export(exported: str) -> None:
    import tensorflow as tf

    loaded = tf.saved_model.load(exported)
    long_review = " ".join(["awful"] * 2500 + ["great"] * 2500)
    only_end = " ".join(["great"] * 8)
    served = loaded.serve(tf.constant([long_review, only_end])).numpy()
    assert served.shape == (2,) and served.dtype == np.float32
    assert served[0] == pytest.approx(served[1], abs=1e-6)  # 'pre' keeps the review's last 8 tokens


def test_a_disagreeing_export_is_rejected(exported: str, classifier: Any, tokenizer: dict) -> None:
    expected = predict_texts(classifier, tokenizer, TEXTS) + 1e-3
    with pytest.raises(ExportMismatchError, match=r"differs from the in-memory model by .* on 5 inputs"):
        verify_in_fresh_process(exported, TEXTS, expected, atol=1e-5)


def test_an_unloadable_export_names_the_folder(tmp_path) -> None:
    with pytest.raises(
        ExportMismatchError, match=f"Serving '{tmp_path}' in a fresh TensorFlow process failed"
    ):
        verify_in_fresh_process(tmp_path, ["x"], np.zeros(1))


def test_serve_texts_batches_like_one_call(exported: str, classifier: Any, tokenizer: dict) -> None:
    from rnn_pipelines.serving.text_classifier import serve_texts

    served = serve_texts(exported, TEXTS, batch_size=2)  # batches of 2, 2 and 1
    np.testing.assert_allclose(served, predict_texts(classifier, tokenizer, TEXTS), atol=1e-5)
    assert serve_texts(exported, []).shape == (0,)


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory, classifier: Any, tokenizer: dict) -> tuple[str, Selected]:
    """A blend of the tiny LSTM and an NBSVM fitted on a tiny corpus, exported."""
    import pandas as pd

    from rnn_pipelines.pipelines.sentiment.baselines import train_nbsvm
    from rnn_pipelines.serving.text_classifier import export_blend_archive

    texts = ["the film was great", "a great film", "not good", "the film was awful", "awful, not good"]
    frame = pd.DataFrame({"text": texts, "label": [1, 1, 0, 0, 0]})
    options = {"ngram_order": 3, "min_df": 1, "smoothing": 1.0, "C": [1.0], "max_iter": 100, "seed": 0}
    nbsvm, _ = train_nbsvm(frame, frame, options)
    blend = {"members": ["lstm", "nbsvm"], "weights": [0.7, 1.3], "bias": -0.2}
    parts = Selected("mix", "hybrid", blend=blend, members={"lstm": classifier, "nbsvm": nbsvm})
    path = tmp_path_factory.mktemp("hybrid") / "model"
    export_blend_archive(blend, tokenizer, {"lstm": classifier}, {"nbsvm": nbsvm}).write_out(
        str(path), verbose=False
    )
    return str(path), parts


def test_a_hybrid_export_round_trips_in_a_fresh_process(
    hybrid: tuple[str, Selected], tokenizer: dict
) -> None:
    from rnn_pipelines.pipelines.sentiment.export import predict_candidate

    path, parts = hybrid
    texts = [*TEXTS, "Ce film était magnifique — 10/10 ✓"]
    expected = predict_candidate(parts, tokenizer, texts)
    report = verify_in_fresh_process(path, texts, expected, atol=1e-5)
    assert report["passed"] and report["inputs"] == len(texts)
    lstm_only = predict_texts(parts.members["lstm"], tokenizer, texts)
    assert np.max(np.abs(expected - lstm_only)) > 1e-2  # the n-gram member moves the served answer


def test_a_masking_model_is_served_at_the_batchs_longest_review_with_the_same_answers(
    tmp_path, tokenizer: dict
) -> None:
    import keras
    import tensorflow as tf

    from rnn_pipelines.serving.text_classifier import export_archive

    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(None,), dtype="int32")  # as the pipeline builds them: any length
    x = keras.layers.Embedding(len(tokenizer["vocabulary"]), 4, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True))(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling1D()(x))
    model = keras.Model(inputs, outputs)
    path = str(tmp_path / "model")
    export_archive(model, tokenizer).write_out(path, verbose=False)
    expected = predict_texts(model, tokenizer, TEXTS)  # in memory: every review padded to 8 tokens
    report = verify_in_fresh_process(path, TEXTS, expected, atol=1e-5)
    assert report["passed"]
    loaded = tf.saved_model.load(path)
    alone = [float(loaded.serve(tf.constant([t])).numpy()[0]) for t in TEXTS]  # each at its own length
    np.testing.assert_allclose(alone, expected, atol=1e-5)

    # a large batch of mixed lengths, in no particular order: served in groups of similar length, each cut
    # after its own longest review, and answered in the batch's order
    from rnn_pipelines.serving.text_classifier import LENGTH_GROUP

    words = tokenizer["vocabulary"][2:]
    rng = np.random.default_rng(0)
    batch = [" ".join(rng.choice(words, size=rng.integers(0, 12))) for _ in range(2 * LENGTH_GROUP + 5)]
    served = loaded.serve(tf.constant(batch)).numpy()
    assert served.shape == (len(batch),)
    np.testing.assert_allclose(served, predict_texts(model, tokenizer, batch), atol=1e-5)
