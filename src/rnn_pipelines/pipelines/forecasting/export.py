"""Forecasting export nodes: the best variant as a SavedModel serving raw °C windows, its check in a
fresh TensorFlow process, and the blessing against persistence and the champion."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.models import series
from rnn_pipelines.pipelines.forecasting.nodes import errors_c
from rnn_pipelines.reporting.provenance import git_commit, table_sha256
from rnn_pipelines.serving import blessing, forecaster
from rnn_pipelines.serving.verify import verify_in_fresh_process

logger = logging.getLogger(__name__)


def export_best_forecaster(
    best: dict[str, Any], scaler: dict[str, Any], windowing: dict[str, Any], **models: Any
) -> Any:
    """The best variant with its scaling, as an ``ExportArchive`` serving raw °C windows."""
    if windowing["calendar_features"]:
        logger.info("Export takes (window, day_of_year): calendar features are on")
    return forecaster.export_archive(models[f"model_{best['variant']}"], scaler, windowing)


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
    windows: dict[str, dict[str, np.ndarray]],
    scaler: dict[str, Any],
    windowing: dict[str, Any],
    options: dict[str, Any],
    **models: Any,
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
    model = models[f"model_{best['variant']}"]
    expected = series.unscale(model.predict(features, verbose=0), scaler)
    return verify_in_fresh_process(
        model_dir, probes.tolist(), expected, dtype="float32", extra_inputs=extra, atol=options["atol"]
    )


def bless_forecaster(
    model_dir: str,
    verification: dict[str, Any],
    best: dict[str, Any],
    comparison: pd.DataFrame,
    champion: dict[str, Any],
    temperatures: pd.DataFrame,
    test: pd.DataFrame,
    windows: dict[str, dict[str, np.ndarray]],
    scaler: dict[str, Any],
    windowing: dict[str, Any],
) -> dict[str, Any]:
    """Bless the best forecaster when its test MAE beats persistence's and the champion's on the same
    test period (a champion from another test period is re-scored on this one).

    Returns:
        The decision for ``ChampionDataset`` (see ``blessing.decide``).
    """
    rows = comparison.set_index("variant")
    test_mae = float(rows.loc[best["variant"], "test_mae"])
    record = {
        "variant": best["variant"],
        "metrics": json.loads(rows.loc[best["variant"]].drop("kind").to_json()),
        "test_mae": test_mae,
        "test_period": [str(test["date"].min().date()), str(test["date"].max().date())],
        "data_sha256": table_sha256(temperatures[["date", "temp_c"]]),
        "test_sha256": table_sha256(test[["date", "temp_c"]]),
        "scaler": scaler,
        "windowing": windowing,
        **git_commit(),
    }
    champion_mae = champion.get("test_mae")
    if champion and champion.get("test_sha256") != record["test_sha256"]:
        served = forecaster.serve_windows(
            champion["path"], *_served_inputs(windows["test"], scaler, windowing)
        )
        champion_mae = errors_c(series.unscale(windows["test"]["y"], scaler), served)["mae"]
        logger.info("Champion re-scored on this run's test period: MAE %.3f °C", champion_mae)
    return blessing.decide(
        variant=best["variant"],
        score=blessing.Score("test MAE (°C)", higher_is_better=False, fmt="{:.3f}"),
        candidate=test_mae,
        champion=champion_mae,
        must_beat={"persistence": float(rows.loc["persistence", "test_mae"])},
        verified=bool(verification.get("passed")),
        record=record,
        model_dir=model_dir,
    )
