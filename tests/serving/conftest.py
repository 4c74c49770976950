"""A tiny trained-looking text classifier (random weights) and its tokenizer."""

from __future__ import annotations

from typing import Any

import pytest

VOCABULARY = ["", "[UNK]", "the", "film", "was", "great", "awful", "a", "not", "good"]


@pytest.fixture(scope="session")
def tokenizer() -> dict[str, Any]:
    return {
        "standardize": "lower_and_strip_punctuation",
        "sequence_length": 8,
        "truncate": "pre",
        "vocabulary": VOCABULARY,
    }


@pytest.fixture(scope="session")
def classifier(tokenizer: dict[str, Any]) -> Any:
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(tokenizer["sequence_length"],), dtype="int32")
    x = keras.layers.Embedding(len(VOCABULARY), 4, mask_zero=True)(inputs)
    x = keras.layers.LSTM(3)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="session")
def exported(tmp_path_factory, classifier: Any, tokenizer: dict[str, Any]) -> str:
    from rnn_pipelines.serving.text_classifier import export_archive

    path = tmp_path_factory.mktemp("export") / "model"
    export_archive(classifier, tokenizer).write_out(str(path), verbose=False)
    return str(path)
