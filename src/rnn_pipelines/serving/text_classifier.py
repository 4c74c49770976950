"""A SavedModel for a text classifier that serves raw strings: the TextVectorization is in the graph."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnn_pipelines.models import text

SIGNATURE = "serve"


def export_archive(model: Any, tokenizer: dict[str, Any]) -> Any:
    """A ``keras.export.ExportArchive`` with one endpoint, ``serve``.

    ``serve`` takes a batch of raw strings (``tf.string``, shape ``[None]``) and returns the
    positive-class probability (``float32``, shape ``[None]``). The strings are standardized,
    tokenized, truncated and right-padded exactly as in training (``text.to_fixed_length``).
    """
    import keras
    import tensorflow as tf

    vectorizer = text.make_vectorizer(tokenizer["vocabulary"], standardize=tokenizer["standardize"])
    vectorizer(tf.constant([""]))  # builds the layer: ExportArchive only tracks built layers
    length, truncate = tokenizer["sequence_length"], tokenizer["truncate"]

    def serve(texts: Any) -> Any:
        tokens = text.to_fixed_length(vectorizer(texts), sequence_length=length, truncate=truncate)
        probabilities = model(tf.cast(tokens, "int32"), training=False)
        return tf.cast(tf.reshape(probabilities, [-1]), tf.float32)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(vectorizer)
    archive.add_endpoint(SIGNATURE, serve, input_signature=[tf.TensorSpec([None], tf.string)])
    return archive


def serve_texts(model_dir: str | Path, texts: Sequence[str], batch_size: int = 1024) -> np.ndarray:
    """P(positive) for ``texts`` from an exported SavedModel's ``serve`` signature, in batches."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(model_dir))  # keep a reference: the endpoint needs its variables
    serve = getattr(loaded, SIGNATURE)
    batches = [list(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    outputs = [serve(tf.constant(batch, dtype=tf.string)).numpy() for batch in batches]
    return np.concatenate(outputs) if outputs else np.zeros(0, dtype=np.float32)
