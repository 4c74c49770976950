"""Project layers, usable in variant specs by name like any ``keras.layers`` class.

Registered with Keras (package ``rnn_pipelines``), so ``.keras`` checkpoints that contain them load
wherever this module was imported (``datasets.keras_model.KerasModelDataset`` does it before loading).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="rnn_pipelines")
class GlobalMeanMaxPooling1D(keras.layers.Layer):
    """The mean and the maximum over time of every feature, concatenated: ``[batch, 2 * features]``.

    Both respect the mask: padded steps count in neither (``keras.layers.GlobalMaxPooling1D`` ignores
    the mask, so a padded step's zero would win over a review whose feature is negative everywhere,
    and the result would depend on how much padding the review got). The mean says what a review says
    overall; the maximum keeps a strong phrase that the mean would dilute in a long review.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return ops.concatenate([ops.mean(inputs, axis=1), ops.max(inputs, axis=1)], axis=-1)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        weights = ops.cast(keep, inputs.dtype)
        steps = ops.maximum(ops.sum(weights, axis=1), 1.0)
        mean = ops.sum(ops.where(keep, inputs, 0.0), axis=1) / steps
        maximum = ops.max(ops.where(keep, inputs, -1e4), axis=1)  # -1e4: below any activation
        return ops.concatenate([mean, maximum], axis=-1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None  # one vector per sequence: nothing left to mask

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        features = input_shape[-1]
        return (input_shape[0], None if features is None else 2 * features)


LAYERS = {"GlobalMeanMaxPooling1D": GlobalMeanMaxPooling1D}
