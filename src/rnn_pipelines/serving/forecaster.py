"""A SavedModel for a forecaster serving raw °C windows: scaling and calendar features in the graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rnn_pipelines.models.series import DAYS_PER_YEAR

SIGNATURE = "serve"


def export_archive(model: Any, scaler: dict[str, Any], windowing: dict[str, Any]) -> Any:
    """A ``keras.export.ExportArchive`` with one endpoint, ``serve``.

    ``serve(window)`` takes the last ``sequence_length`` daily temperatures in °C (``float32``,
    ``[None, sequence_length]``) and returns the next ``horizon`` days in °C (``[None, horizon]``).
    With ``calendar_features`` it also takes ``day_of_year`` (``int32``, same shape): the day of year of
    each input day, so the sin/cos features are computed exactly as in training.
    """
    import keras
    import tensorflow as tf

    length = windowing["sequence_length"]
    offset, scale = float(scaler["offset"]), float(scaler["scale"])

    def predict(window: Any, extra: list[Any]) -> Any:
        features = tf.concat([((window - offset) / scale)[..., None], *extra], axis=-1)
        return tf.cast(model(features, training=False), tf.float32) * scale + offset

    archive = keras.export.ExportArchive()
    archive.track(model)
    window_spec = tf.TensorSpec([None, length], tf.float32, name="window")
    if windowing["calendar_features"]:

        def serve(window: Any, day_of_year: Any) -> Any:
            angle = 2 * np.pi * tf.cast(day_of_year, tf.float32) / DAYS_PER_YEAR
            return predict(window, [tf.sin(angle)[..., None], tf.cos(angle)[..., None]])

        specs = [window_spec, tf.TensorSpec([None, length], tf.int32, name="day_of_year")]
    else:

        def serve(window: Any) -> Any:
            return predict(window, [])

        specs = [window_spec]
    archive.add_endpoint(SIGNATURE, serve, input_signature=specs)
    return archive


def serve_windows(
    model_dir: str | Path, windows: np.ndarray, day_of_year: np.ndarray | None = None
) -> np.ndarray:
    """°C forecasts for raw °C ``windows`` (``[n, sequence_length]``) from an exported forecaster;
    ``day_of_year`` (same shape) when it was trained with calendar features."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(model_dir))  # keep a reference: the endpoint needs its variables
    arguments = [tf.constant(windows, dtype=tf.float32)]
    if day_of_year is not None:
        arguments.append(tf.constant(day_of_year, dtype=tf.int32))
    return getattr(loaded, SIGNATURE)(*arguments).numpy()
