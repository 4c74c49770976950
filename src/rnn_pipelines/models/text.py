"""Text → integer sequences with ``keras.layers.TextVectorization``, shared by training and serving."""

from __future__ import annotations

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
