"""Forecasting export nodes: the best variant as a SavedModel serving raw °C windows, its check in a
fresh TensorFlow process, and what its blessing compares."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.datasets.selected import Selected
from rnn_pipelines.models import series
from rnn_pipelines.pipelines.forecasting.nodes import errors_c
from rnn_pipelines.serving import forecaster
from rnn_pipelines.serving.verify import verify_in_fresh_process

logger = logging.getLogger(__name__)


def export_best_forecaster(
    best: dict[str, Any], selected: Selected, scaler: dict[str, Any], windowing: dict[str, Any]
) -> Any:
    """The selected variant with its scaling, as an ``ExportArchive`` serving raw °C windows."""
    if windowing["calendar_features"]:
        logger.info("Export takes (window, day_of_year): calendar features are on")
    return forecaster.export_archive(selected.of(best).model, scaler, windowing)


def _raw_windows(windows: dict[str, np.ndarray], scaler: dict[str, Any]) -> np.ndarray:
    """The windows' temperature channel back in °C."""
    return series.unscale(windows["x"][..., 0], scaler).astype(np.float32)


def _input_days(windows: dict[str, np.ndarray], length: int) -> np.ndarray:
    """Day of year of every input day of every window (the days before each window's target)."""
    targets = pd.DatetimeIndex(windows["target_dates"])
    days = [(targets - pd.Timedelta(days=length - i)).day_of_year.to_numpy() for i in range(length)]
    return np.stack(days, axis=1).astype(np.int32)


def _served_inputs(
    windows: dict[str, np.ndarray], scaler: dict[str, Any], windowing: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray | None]:
    """What the export takes for these windows: raw °C, and day of year when calendar features are on."""
    raw = _raw_windows(windows, scaler)
    return raw, _input_days(windows, raw.shape[1]) if windowing["calendar_features"] else None


def verify_forecaster_export(
    model_dir: str,
    best: dict[str, Any],
    selected: Selected,
    windows: dict[str, dict[str, np.ndarray]],
    scaler: dict[str, Any],
    windowing: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    """Serve the export in a fresh TensorFlow-only process on test windows, a constant window and an
    out-of-range one, and compare with the in-memory model (°C, to ``options["atol"]``)."""
    count = options["test_windows"]
    raw, days = _served_inputs(windows["test"], scaler, windowing)
    length = raw.shape[1]
    edge = np.stack([np.full(length, 15.0), np.linspace(-5.0, 45.0, length)]).astype(np.float32)
    probes = np.concatenate([raw[:count], edge])
    features = series.scale(probes, scaler)[..., None]
    extra = []
    if days is not None:
        days = np.concatenate([days[:count], np.repeat(days[:1], len(edge), axis=0)])
        features = np.concatenate([features, series.calendar_features_of_days(days)], axis=-1)
        extra = [(days.tolist(), "int32")]
    model = selected.of(best).model
    expected = series.unscale(model.predict(features, verbose=0), scaler)
    return verify_in_fresh_process(
        model_dir, probes.tolist(), expected, dtype="float32", extra_inputs=extra, atol=options["atol"]
    )


def score_champion(
    champion_dir: str,
    windows: dict[str, dict[str, np.ndarray]],
    scaler: dict[str, Any],
    windowing: dict[str, Any],
) -> float:
    """Test MAE (°C) of a champion SavedModel on this run's test windows (a champion scored on another
    test period)."""
    served = forecaster.serve_windows(champion_dir, *_served_inputs(windows["test"], scaler, windowing))
    return errors_c(series.unscale(windows["test"]["y"], scaler), served)["mae"]


def persistence_rival(comparison: pd.DataFrame, options: dict[str, Any]) -> dict[str, float]:
    """Persistence's test MAE: a forecaster that cannot beat "tomorrow = today" is not blessed."""
    return {"persistence": float(comparison.set_index("variant").loc["persistence", "test_mae"])}


def champion_record(
    best: dict[str, Any],
    comparison: pd.DataFrame,
    test: pd.DataFrame,
    scaler: dict[str, Any],
    windowing: dict[str, Any],
) -> dict[str, Any]:
    """What ``champion.json`` holds besides the score and provenance: the test period, the scaling
    and the windowing the export serves with."""
    return {
        "test_period": [str(test["date"].min().date()), str(test["date"].max().date())],
        "scaler": scaler,
        "windowing": windowing,
    }
