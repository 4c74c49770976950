"""Text → integer sequences with ``keras.layers.TextVectorization``, shared by training and serving."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

PAD, OOV = 0, 1  # TextVectorization reserves index 0 for padding and 1 for out-of-vocabulary tokens
TRUNCATE_SIDES = ("post", "pre")


def fit_vocabulary(texts: Sequence[str], *, max_tokens: int, standardize: str) -> list[str]:
    """Adapt a ``TextVectorization`` on ``texts`` and return its vocabulary (``""`` and ``[UNK]`` first)."""
    import keras

    layer = keras.layers.TextVectorization(max_tokens=max_tokens, standardize=standardize)
    layer.adapt(np.asarray(texts, dtype=object), batch_size=1024)
    return [str(token) for token in layer.get_vocabulary()]


def make_vectorizer(vocabulary: Sequence[str], *, standardize: str) -> Any:
    """A ragged-output ``TextVectorization`` with a fixed vocabulary (no padding, no truncation)."""
    import keras

    return keras.layers.TextVectorization(
        standardize=standardize, vocabulary=list(vocabulary), output_mode="int", ragged=True
    )


def to_fixed_length(ragged: Any, *, sequence_length: int, truncate: str) -> Any:
    """Truncate (keep the start for ``post``, the end for ``pre``) and right-pad to ``sequence_length``.

    Right padding keeps masks cuDNN-compatible; an empty row gets one ``[UNK]`` token, because a
    fully-masked row makes cuDNN kernels raise.
    """
    import tensorflow as tf

    cut = ragged[:, :sequence_length] if truncate == "post" else ragged[:, -sequence_length:]
    dense = cut.to_tensor(default_value=PAD, shape=[None, sequence_length])
    empty = tf.equal(cut.row_lengths(), 0)
    first = tf.where(empty, tf.cast(OOV, dense.dtype), dense[:, 0])
    return tf.concat([first[:, None], dense[:, 1:]], axis=1)


def encode_with(tokenizer: dict[str, Any], texts: Sequence[str]) -> np.ndarray:
    """Encode texts with a saved tokenizer (``vocabulary`` plus its ``standardize``,
    ``sequence_length`` and ``truncate`` settings), exactly as in training."""
    return encode_texts(
        texts,
        tokenizer["vocabulary"],
        standardize=tokenizer["standardize"],
        sequence_length=tokenizer["sequence_length"],
        truncate=tokenizer["truncate"],
    )


def encode_texts(
    texts: Sequence[str], vocabulary: Sequence[str], *, standardize: str, sequence_length: int, truncate: str
) -> np.ndarray:
    """Encode texts as an ``int32`` array of shape ``[len(texts), sequence_length]``."""
    import tensorflow as tf

    if truncate not in TRUNCATE_SIDES:
        raise ValueError(f"tokenization.truncate must be one of {TRUNCATE_SIDES}, got '{truncate}'")

    vectorizer = make_vectorizer(vocabulary, standardize=standardize)
    batches = tf.data.Dataset.from_tensor_slices(np.asarray(texts, dtype=object)).batch(2048)
    encoded = [
        to_fixed_length(vectorizer(batch), sequence_length=sequence_length, truncate=truncate).numpy()
        for batch in batches
    ]
    if not encoded:
        return np.zeros((0, sequence_length), dtype=np.int32)
    return np.concatenate(encoded).astype(np.int32)


def sequence_lengths(x: np.ndarray) -> np.ndarray:
    """Tokens per row of a right-padded ``[n, sequence_length]`` array (padding is always at the end)."""
    return np.count_nonzero(x != PAD, axis=1).astype(np.int32)


def _rounded_up(length: Any, width: int, longest: int) -> Any:
    import tensorflow as tf

    return tf.minimum(((length + width - 1) // width) * width, longest)


def length_batches(
    x: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int,
    bucket_width: int | None,
    seed: int | None = None,
) -> Any:
    """Batches of ``(tokens, labels)`` cut to the length their reviews need, as a ``tf.data`` pipeline.

    A recurrent layer costs time per step, masked or not; a review of 80 tokens padded to 400 costs as
    much as a review of 400. With ``bucket_width`` set, batches hold reviews of similar length and are
    cut after the longest one, rounded up to a multiple of ``bucket_width`` (a handful of shapes, so
    Keras traces its step function a handful of times). Only padding is dropped, so each review's
    prediction is unchanged. Training batches (``seed`` given) are shuffled (seeded, every epoch)
    before bucketing; evaluation batches (no ``seed``) go shortest first, in a fixed order.
    ``bucket_width`` of ``None`` or 0 gives plain fixed-length batches.
    """
    import tensorflow as tf

    if bucket_width is not None and (
        isinstance(bucket_width, bool) or not isinstance(bucket_width, int) or bucket_width < 0
    ):
        raise ValueError(
            "training.bucket_width must be a whole number of tokens (0 or null: no bucketing), "
            f"got {bucket_width!r}"
        )
    longest = int(x.shape[1])
    labels = y.astype(np.float32)
    if not bucket_width:
        data = tf.data.Dataset.from_tensor_slices((x, labels))
        if seed is not None:
            data = data.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
        return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    lengths = sequence_lengths(x)
    if seed is None:  # evaluation: sorted by length, each batch cut after its longest review
        order = np.argsort(lengths, kind="stable")
        data = tf.data.Dataset.from_tensor_slices((x[order], labels[order], lengths[order])).batch(batch_size)
        return data.map(
            lambda tokens, label, length: (
                tokens[:, : _rounded_up(tf.reduce_max(length), bucket_width, longest)],
                label,
            )
        ).prefetch(tf.data.AUTOTUNE)

    boundaries = list(range(bucket_width + 1, longest + 1, bucket_width))
    if not boundaries or boundaries[-1] != longest + 1:
        boundaries.append(longest + 1)
    data = tf.data.Dataset.from_tensor_slices((x, labels, lengths))
    data = data.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    data = data.map(lambda tokens, label, length: (tokens[:length], label))
    data = data.bucket_by_sequence_length(
        element_length_func=lambda tokens, label: tf.shape(tokens)[0],
        bucket_boundaries=boundaries,
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        pad_to_bucket_boundary=True,
    )
    # bucketing hides the number of batches from tf.data; it is known (each bucket's reviews in batches,
    # the last one short), and Keras needs it for the epoch's step count (else it warns at the end of
    # the first epoch that the input "ran out of data") and for the progress' ETA
    per_bucket = np.bincount(
        np.searchsorted(boundaries, lengths, side="right"), minlength=len(boundaries) + 1
    )
    batches = int(sum(-(-count // batch_size) for count in per_bucket))
    data = data.apply(tf.data.experimental.assert_cardinality(batches))
    return data.prefetch(tf.data.AUTOTUNE)


_LENGTH_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _length_step(model: Any) -> Any:
    """``model`` on a batch of any length, traced once per model. ``model.predict`` traces once per batch
    length, and TensorFlow warns about retracing from the fifth trace in ten calls of one function, which
    it tells apart by their code: a ``partial`` per model is a function of its own to it."""
    import tensorflow as tf

    if model not in _LENGTH_STEPS:
        held = weakref.ref(model)  # the cache must not keep the model alive
        _LENGTH_STEPS[model] = tf.function(
            functools.partial(_call_held, held), input_signature=[tf.TensorSpec([None, None], tf.int32)]
        )
    return _LENGTH_STEPS[model]


def _call_held(held: Any, tokens: Any) -> Any:
    return held()(tokens, training=False)


def predict_in_length_order(
    model: Any, x: np.ndarray, *, batch_size: int, bucket_width: int | None
) -> np.ndarray:
    """The model's scores over batches cut to their reviews' length (one trace per model), returned in
    the rows' order; ``model.predict`` on fixed-length batches without ``bucket_width``."""
    import tensorflow as tf

    data = length_batches(x, np.zeros(len(x), np.float32), batch_size=batch_size, bucket_width=bucket_width)
    if not bucket_width:
        return model.predict(data.map(lambda tokens, label: tokens), verbose=0)
    step = _length_step(model)
    batches = [np.asarray(step(tf.cast(tokens, tf.int32))) for tokens, _ in data]  # x may be int64
    scores = np.concatenate(batches) if batches else np.zeros((0, 1), np.float32)
    result = np.empty_like(scores)
    result[np.argsort(sequence_lengths(x), kind="stable")] = scores
    return result
