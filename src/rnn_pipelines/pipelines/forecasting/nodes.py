"""Forecasting nodes: split, scale, window, train each variant, evaluate in °C against baselines, select."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.models import builder, series, training

logger = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")


def split_series(
    temperatures: pd.DataFrame, options: dict[str, Any], windowing: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fill missing days, then split chronologically: by date for Melbourne; at whole years (the last
    year test, the one before validation) for another series of three years or more; by fractions for a
    shorter one.

    Args:
        temperatures: The validated ``date, temp_c`` table.
        options: ``train_end``, ``validation_end`` (dates), ``fractions`` (``train``, ``validation``) and
            ``whole_years`` (false: fractions for every other series).
        windowing: ``sequence_length`` and ``horizon``: every part must hold at least one window.

    Returns:
        ``train``, ``validation`` and ``test`` parts: ``date, temp_c, filled``.

    Raises:
        ParameterError: A part is shorter than ``sequence_length + horizon`` (the rule depends on the
            series, so it is checked here, before any part is written).
    """
    daily = series.regularise_daily(temperatures)
    parts = series.split_by_date(
        daily,
        train_end=str(options["train_end"]),
        validation_end=str(options["validation_end"]),
        fractions=options["fractions"],
        whole_years=options.get("whole_years", True),
    )
    check_window_fits(dict(zip(SPLITS, parts, strict=True)), windowing)
    return parts


def check_window_fits(parts: dict[str, pd.DataFrame], windowing: dict[str, Any]) -> None:
    """``sequence_length + horizon`` days fit in every split part, or one error names them all."""
    from rnn_pipelines.schemas import ParameterError

    length, horizon = windowing["sequence_length"], windowing["horizon"]
    span = length + horizon
    short = [
        f"{name}: {len(part)} days"
        + (f" ({part['date'].min().date()} to {part['date'].max().date()})" if len(part) else "")
        for name, part in parts.items()
        if len(part) < span
    ]
    if short:
        raise ParameterError(
            f"forecasting.windowing.sequence_length + forecasting.windowing.horizon = {length} + {horizon}"
            f" = {span} days must fit in every split part, but these are shorter: {'; '.join(short)}. "
            "Shorten the window, or give the part more days (forecasting.split.train_end / validation_end "
            "for a series that spans those dates, forecasting.split.fractions for a series shorter than "
            "three years or with forecasting.split.whole_years off). "
            "No part was written."
        )


def fit_scaler(train: pd.DataFrame, options: dict[str, Any]) -> dict[str, Any]:
    """Scaling statistics from the training part only (saved in ``06_models``): the target's, and under
    ``features`` each covariate's (the part's columns beyond date, target and ``filled``: what
    ``temperatures_ingestion.features`` kept, in the order the windows stack them), in its own units."""
    scaler = series.fit_scaler(train["temp_c"].to_numpy(), options["method"])
    features = series.covariate_columns(train)
    if features:
        scaler["features"] = {}
        for name in features:
            try:
                scaler["features"][name] = series.fit_scaler(train[name].to_numpy(), options["method"])
            except ValueError as error:
                raise ValueError(f"temperatures_ingestion.features '{name}': {error}") from error
    logger.info("Scaler (%s) fitted on %d training days: %s", options["method"], len(train), scaler)
    return scaler


def make_windows(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    scaler: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, dict[str, np.ndarray]]:
    """Window each part separately, so no window crosses a split boundary.

    Args:
        options: ``sequence_length``, ``horizon``, ``stride``, ``calendar_features``.

    Returns:
        Per split: ``x``, ``y``, ``target_dates``, ``last_input`` (see ``series.make_windows``).
    """
    windows = {
        name: series.windows_of(part, scaler, options)
        for name, part in zip(SPLITS, (train, validation, test), strict=True)
    }
    logger.info("Windows: %s", {name: len(w["y"]) for name, w in windows.items()})
    return windows


def _dataset(split: dict[str, np.ndarray], batch_size: int, seed: int | None = None) -> Any:
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((split["x"], split["y"]))
    if seed is not None:
        data = data.shuffle(len(split["y"]), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def check_variants(
    variants: dict[str, Any],
    settings: dict[str, Any] | None = None,
    ensembles: dict[str, Any] | None = None,
) -> dict[str, list[str]]:
    """Check every variant spec (with its ``training`` overrides of ``settings``) and every ensemble
    before training; returns what would stop cuDNN kernels per variant."""
    from rnn_pipelines.pipelines.forecasting.ensembles import check_ensembles

    check_ensembles(ensembles, variants)
    return builder.check_variants(variants, training=settings)


def train_forecaster(
    windows: dict[str, dict[str, np.ndarray]],
    spec: dict[str, Any],
    settings: dict[str, Any],
    variant_checks: dict[str, list[str]],
    *,
    variant: str,
) -> tuple[Any, dict[str, list[float]], dict[str, Any]]:
    """Build ``variant`` (its layers, then ``Dense(horizon)``) and fit it with MSE, early-stopping on
    validation loss.

    Returns:
        The fitted model, its per-epoch curves (``loss``, ``mae``, ``val_*``) and a training summary.
    """
    import keras

    train = windows["train"]
    head = [{"type": "Dense", "units": train["y"].shape[1], "dtype": "float32"}]
    settings = builder.variant_settings(spec, settings)

    def build() -> Any:
        inputs = keras.Input(shape=train["x"].shape[1:], dtype="float32", name="window")
        model = builder.build_model(variant, spec, inputs=inputs, head=head, fill={})
        model.compile(optimizer=keras.optimizers.Adam(settings["learning_rate"]), loss="mse", metrics=["mae"])
        return model

    return training.fit(
        f"forecasting.{variant}",
        build,
        _dataset(train, settings["batch_size"], seed=settings["seed"]),
        _dataset(windows["validation"], settings["batch_size"]),
        settings,
    )


def errors_c(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """MAE and RMSE in °C over every window and horizon step."""
    error = np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    return {"mae": float(np.mean(np.abs(error))), "rmse": float(np.sqrt(np.mean(error**2)))}


def backtest_folds(windows: int, folds: int) -> list[np.ndarray]:
    """The forecast origins of a part: ``folds`` consecutive, equal blocks of its ``windows``, each
    forecast with everything before it as history (an expanding window), the oldest windows left out when
    they do not divide evenly. Fewer than two windows a fold: one fold of all of them."""
    if windows < 2 * folds:
        return [np.arange(windows)]
    return np.split(np.arange(windows % folds, windows), folds)


def fold_scores(actual: np.ndarray, predicted: np.ndarray, dates: np.ndarray, folds: int) -> dict[str, Any]:
    """MAE in °C of each backtest fold (``backtest_folds``), their mean and standard deviation, and the
    first target date of each fold (its forecast origin)."""
    blocks = backtest_folds(len(actual), folds)
    maes = [errors_c(actual[block], predicted[block])["mae"] for block in blocks]
    return {
        "mae_folds": [round(m, 4) for m in maes],
        "mae_mean": float(np.mean(maes)),
        "mae_sd": float(np.std(maes, ddof=1)) if len(maes) > 1 else 0.0,
        "origins": [str(pd.Timestamp(dates[block[0]]).date()) for block in blocks],
    }


def scorecard(
    variant: str,
    kind: str,
    windows: dict[str, dict[str, np.ndarray]],
    predictions: dict[str, np.ndarray],
    scaler: dict[str, Any],
    summary: dict[str, Any],
    backtest: dict[str, Any],
) -> dict[str, Any]:
    """One comparison record, all in °C: validation MAE (selects), test MAE/RMSE (reports), and the
    backtest over ``backtest["folds"]`` forecast origins of each part (per-fold MAE, mean, spread); the
    test predictions (first horizon step) for the plots."""
    # [windows, horizon] whatever the predictor returned (scikit-learn drops a single target's axis)
    predictions = {
        split: np.asarray(p).reshape(windows[split]["y"].shape) for split, p in predictions.items()
    }
    actual = {split: series.unscale(windows[split]["y"], scaler) for split in ("validation", "test")}
    scores = {split: errors_c(actual[split], predictions[split]) for split in ("validation", "test")}
    folds = {
        prefix: fold_scores(
            actual[split], predictions[split], windows[split]["target_dates"], backtest["folds"]
        )
        for prefix, split in (("val", "validation"), ("test", "test"))
    }
    return {
        "variant": variant,
        "kind": kind,
        "val_mae": scores["validation"]["mae"],
        "test_mae": scores["test"]["mae"],
        "test_rmse": scores["test"]["rmse"],
        **{f"{prefix}_{key}": value for prefix, found in folds.items() for key, value in found.items()},
        "test_predictions": predictions["test"][:, 0].round(3).tolist(),
        **summary,
    }


def evaluate_forecaster(
    model: Any,
    windows: dict[str, dict[str, np.ndarray]],
    scaler: dict[str, Any],
    summary: dict[str, Any],
    backtest: dict[str, Any],
    *,
    variant: str,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Score a trained variant in °C on the validation and test windows, and over their backtest folds.

    Returns:
        Its scorecard, and its forecasts in °C (``validation``, ``test``: ``[windows, horizon]``) for
        the ensembles.
    """
    predictions = {
        split: series.unscale(model.predict(windows[split]["x"], verbose=0), scaler)
        for split in ("validation", "test")
    }
    metrics = scorecard(variant, "rnn", windows, predictions, scaler, summary, backtest)
    logger.info("%s: val MAE %.3f °C, test MAE %.3f °C", variant, metrics["val_mae"], metrics["test_mae"])
    return metrics, predictions


NO_TRAINING = {"epochs_run": None, "best_epoch": None, "train_seconds": 0.0}


def evaluate_baselines(
    windows: dict[str, dict[str, np.ndarray]],
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    scaler: dict[str, Any],
    options: dict[str, Any],
    backtest: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """Persistence (tomorrow = today), seasonal naive (same day last year) and a linear model on the
    window (ridge regression with ``options["ridge_alpha"]``, fitted on the training windows), on exactly
    the variants' targets and backtest folds."""
    from sklearn.linear_model import Ridge

    history = pd.concat([train, validation, test]).set_index("date")["temp_c"]
    horizon = windows["train"]["y"].shape[1]
    offsets = pd.to_timedelta(np.arange(horizon), unit="D")

    def persistence(split: str) -> np.ndarray:
        return np.repeat(windows[split]["last_input"][:, None], horizon, axis=1)

    def seasonal(split: str) -> np.ndarray:
        targets = pd.DatetimeIndex(windows[split]["target_dates"])
        year_before = [
            history.reindex(targets + offset - pd.DateOffset(years=1)).to_numpy() for offset in offsets
        ]
        values = np.stack(year_before, axis=1)
        return np.where(np.isnan(values), persistence(split), values)  # no year before: fall back

    def flat(split: str) -> np.ndarray:
        return windows[split]["x"].reshape(len(windows[split]["x"]), -1)

    linear = Ridge(alpha=options["ridge_alpha"]).fit(flat("train"), windows["train"]["y"])
    baselines = {
        "persistence": persistence,
        "seasonal_naive": seasonal,
        "linear_window": lambda split: series.unscale(linear.predict(flat(split)), scaler),
    }
    return {
        name: scorecard(
            name,
            "baseline",
            windows,
            {split: predict(split) for split in ("validation", "test")},
            scaler,
            {**NO_TRAINING, "parameters": int(linear.coef_.size + linear.intercept_.size)}
            if name == "linear_window"
            else {**NO_TRAINING, "parameters": 0},
            backtest,
        )
        for name, predict in baselines.items()
    }


def describe_selection(comparison: pd.DataFrame, best: pd.Series) -> dict[str, Any]:
    """How the selected forecaster compares with persistence on the test part."""
    persistence = comparison.set_index("variant").loc["persistence"]
    return {
        "persistence_test_mae": float(persistence["test_mae"]),
        "improvement_over_persistence": float(1 - best["test_mae"] / persistence["test_mae"]),
    }
