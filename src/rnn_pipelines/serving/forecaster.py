"""A SavedModel for a forecaster serving raw °C windows: scaling and calendar features in the graph."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnn_pipelines.models.series import DAYS_PER_YEAR

SIGNATURE = "serve"


def export_archive(model: Any | Sequence[Any], scaler: dict[str, Any], windowing: dict[str, Any]) -> Any:
    """A ``keras.export.ExportArchive`` with one endpoint, ``serve``, for one Keras model or the mean of
    several taking the same windows (an ensemble).

    ``serve(window, ...)`` takes the last ``sequence_length`` daily temperatures in °C (``float32``,
    ``[None, sequence_length]``) and returns the next ``horizon`` days in °C (``[None, horizon]``).
    With ``calendar_features`` it also takes ``day_of_year`` (``int32``, same shape): the day of year of
    each input day, so the sin/cos features are computed exactly as in training. Then one window per
    covariate of ``scaler["features"]`` (``float32``, same shape, in the covariate's own units, named by
    it), in that order.
    """
    import keras
    import tensorflow as tf

    models = list(model) if isinstance(model, Sequence) else [model]
    length, calendar = windowing["sequence_length"], windowing["calendar_features"]
    offset, scale = float(scaler["offset"]), float(scaler["scale"])
    covariates = [
        (name, float(s["offset"]), float(s["scale"])) for name, s in scaler.get("features", {}).items()
    ]

    def serve(*inputs: Any) -> Any:
        window, rest = inputs[0], list(inputs[1:])
        channels = [((window - offset) / scale)[..., None]]
        day_of_year = rest.pop(0) if calendar else None
        for (_, feature_offset, feature_scale), values in zip(covariates, rest, strict=True):
            channels.append(((values - feature_offset) / feature_scale)[..., None])
        if calendar:
            angle = 2 * np.pi * tf.cast(day_of_year, tf.float32) / DAYS_PER_YEAR
            channels += [tf.sin(angle)[..., None], tf.cos(angle)[..., None]]
        features = tf.concat(channels, axis=-1)
        forecasts = [tf.cast(m(features, training=False), tf.float32) for m in models]
        return tf.add_n(forecasts) / len(forecasts) * scale + offset

    specs = [tf.TensorSpec([None, length], tf.float32, name="window")]
    if calendar:
        specs.append(tf.TensorSpec([None, length], tf.int32, name="day_of_year"))
    specs += [tf.TensorSpec([None, length], tf.float32, name=name) for name, _, _ in covariates]
    archive = keras.export.ExportArchive()
    for member in models:
        archive.track(member)
    archive.add_endpoint(SIGNATURE, serve, input_signature=specs)
    return archive


def serve_windows(
    model_dir: str | Path,
    windows: np.ndarray,
    day_of_year: np.ndarray | None = None,
    features: list[np.ndarray] | None = None,
) -> np.ndarray:
    """°C forecasts for raw °C ``windows`` (``[n, sequence_length]``) from an exported forecaster;
    ``day_of_year`` (same shape) when it was trained with calendar features, and each covariate's windows
    (``features``, in the export's order) when it takes covariates."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(model_dir))  # keep a reference: the endpoint needs its variables
    arguments = [tf.constant(windows, dtype=tf.float32)]
    if day_of_year is not None:
        arguments.append(tf.constant(day_of_year, dtype=tf.int32))
    arguments += [tf.constant(values, dtype=tf.float32) for values in features or []]
    return getattr(loaded, SIGNATURE)(*arguments).numpy()
