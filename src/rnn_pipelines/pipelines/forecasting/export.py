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


def _models(selected: Selected, best: dict[str, Any]) -> list[Any]:
    """The selected candidate's Keras models: a variant's one, or an ensemble's members in order."""
    chosen = selected.of(best)
    if chosen.blend is None:
        return [chosen.model]
    return [chosen.members[m] for m in chosen.blend["members"]]


def export_best_forecaster(
    best: dict[str, Any], selected: Selected, scaler: dict[str, Any], windowing: dict[str, Any]
) -> Any:
    """The selected variant (or the mean of an ensemble's members) with its scaling, as an
    ``ExportArchive`` serving raw °C windows."""
    if windowing["calendar_features"]:
        logger.info("Export takes (window, day_of_year): calendar features are on")
    models = _models(selected, best)
    if len(models) > 1:
        logger.info("Export averages the forecasts of %s", ", ".join(selected.blend["members"]))
    return forecaster.export_archive(models, scaler, windowing)


def _raw_windows(windows: dict[str, np.ndarray], scaler: dict[str, Any]) -> np.ndarray:
    """The windows' temperature channel back in °C."""
    return series.unscale(windows["x"][..., 0], scaler).astype(np.float32)


def _raw_features(windows: dict[str, np.ndarray], scaler: dict[str, Any]) -> list[np.ndarray]:
    """Each covariate's channel back in its own units (channels 1..k, in the scaler's order)."""
    return [
        series.unscale(windows["x"][..., 1 + i], stats).astype(np.float32)
        for i, stats in enumerate(scaler.get("features", {}).values())
    ]


def _input_days(windows: dict[str, np.ndarray], length: int) -> np.ndarray:
    """Day of year of every input day of every window (the days before each window's target)."""
    targets = pd.DatetimeIndex(windows["target_dates"])
    days = [(targets - pd.Timedelta(days=length - i)).day_of_year.to_numpy() for i in range(length)]
    return np.stack(days, axis=1).astype(np.int32)


def _served_inputs(
    windows: dict[str, np.ndarray], scaler: dict[str, Any], windowing: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray | None, list[np.ndarray]]:
    """What the export takes for these windows: raw °C, day of year when calendar features are on, and
    each covariate's raw windows."""
    raw = _raw_windows(windows, scaler)
    days = _input_days(windows, raw.shape[1]) if windowing["calendar_features"] else None
    return raw, days, _raw_features(windows, scaler)


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
    out-of-range one (with the first test window's covariates), and compare with the in-memory model
    (°C, to ``options["atol"]``)."""
    count = options["test_windows"]
    raw, days, covariates = _served_inputs(windows["test"], scaler, windowing)
    length = raw.shape[1]
    edge = np.stack([np.full(length, 15.0), np.linspace(-5.0, 45.0, length)]).astype(np.float32)
    probes = np.concatenate([raw[:count], edge])
    covariates = [np.concatenate([c[:count], np.repeat(c[:1], len(edge), axis=0)]) for c in covariates]
    channels = [series.scale(probes, scaler)[..., None]]
    stats = scaler.get("features", {}).values()
    channels += [series.scale(c, s)[..., None] for c, s in zip(covariates, stats, strict=True)]
    extra = []
    if days is not None:
        days = np.concatenate([days[:count], np.repeat(days[:1], len(edge), axis=0)])
        channels.append(series.calendar_features_of_days(days))
        extra = [(days.tolist(), "int32")]
    extra += [(c.tolist(), "float32") for c in covariates]
    inputs = np.concatenate(channels, axis=-1)
    forecasts = [m.predict(inputs, verbose=0) for m in _models(selected, best)]
    expected = series.unscale(np.mean(forecasts, axis=0), scaler)
    return verify_in_fresh_process(
        model_dir, probes.tolist(), expected, dtype="float32", extra_inputs=extra, atol=options["atol"]
    )


def score_champion(champion_dir: str, test: pd.DataFrame) -> float:
    """Test MAE (°C) of a champion SavedModel on this run's test part (a champion scored on another test
    period), windowed with the champion's own windowing, scaling and covariates.

    Raises:
        ValueError: The champion takes a covariate this run's data does not have.
    """
    import json
    from pathlib import Path

    record = json.loads((Path(champion_dir) / "champion.json").read_text(encoding="utf-8"))
    scaler, windowing = record["scaler"], record["windowing"]
    missing = [name for name in scaler.get("features", {}) if name not in test.columns]
    if missing:
        raise ValueError(
            f"The champion at {champion_dir} takes the covariates {missing}, which this run's data does not "
            "have, so it cannot be compared on this run's test part: add them to "
            "temperatures_ingestion.features, or move the champion folder away to start a new one."
        )
    windows = series.windows_of(test, scaler, windowing)
    served = forecaster.serve_windows(champion_dir, *_served_inputs(windows, scaler, windowing))
    return errors_c(series.unscale(windows["y"], scaler), served)["mae"]


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
