"""Tiny language models for the generator and text-generation tests (no training)."""

from __future__ import annotations

from typing import Any

import keras

from rnn_pipelines.models import language

CORPUS = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n" * 30


def tokenizer_for(level: str, length: int = 12) -> dict[str, Any]:
    vocabulary = language.fit_vocabulary(CORPUS, level=level, max_tokens=50)
    return {"level": level, "vocabulary": vocabulary, "sequence_length": length}


def sharp_model(tokenizer: dict[str, Any], seed: int = 0) -> Any:
    """An untrained next-token model with widely spread logits (a clear greedy choice at every step)."""
    keras.utils.set_random_seed(seed)
    size = len(tokenizer["vocabulary"]) + 1
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(size, 8)(inputs)
    x = keras.layers.LSTM(16, return_sequences=True)(x)
    head = keras.layers.Dense(size)
    model = keras.Model(inputs, head(x))
    kernel, bias = head.get_weights()
    head.set_weights([kernel * 50, bias])
    return model
