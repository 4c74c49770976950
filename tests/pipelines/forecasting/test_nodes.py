"""Forecasting nodes: parts never leak into each other, baselines are exact, selection ignores test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.pipelines.forecasting import DOMAIN, nodes
from rnn_pipelines.skeleton import nodes as skeleton

WINDOWING = {"sequence_length": 5, "horizon": 1, "stride": 1, "calendar_features": False}
SPLIT = {
    "train_end": "2000-03-31",
    "validation_end": "2000-04-30",
    "fractions": {"train": 0.8, "validation": 0.1},
}


def series_table(values, start: str = "2000-01-01") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"date": pd.date_range(start, periods=len(values), freq="D"), "temp_c": values})


def test_no_window_crosses_a_split() -> None:
    # each part holds its own range of values: train < 1000 <= validation < 2000 <= test
    dates = pd.date_range("2000-01-01", "2000-05-31", freq="D")
    values = (
        np.where(dates <= "2000-03-31", 0, np.where(dates <= "2000-04-30", 1000, 2000))
        + np.arange(len(dates)) % 7
    )
    train, validation, test = nodes.split_series(
        pd.DataFrame({"date": dates, "temp_c": values}), SPLIT, WINDOWING
    )
    scaler = {"method": "standard", "offset": 0.0, "scale": 1.0}
    windows = nodes.make_windows(train, validation, test, scaler, WINDOWING)
    for name, low in (("train", 0), ("validation", 1000), ("test", 2000)):
        part = windows[name]
        everything = np.concatenate([part["x"].ravel(), part["y"].ravel()])
        assert everything.min() >= low and everything.max() < low + 1000, name


def test_scaler_statistics_come_from_the_train_part_only() -> None:
    calm = series_table(np.sin(np.arange(152) / 5) * 5 + 15)
    spiked = calm.copy()
    spiked.loc[spiked.index[-3], "temp_c"] = 500.0  # a test-period spike
    scalers = []
    for table in (calm, spiked):
        train, _, _ = nodes.split_series(table, SPLIT, WINDOWING)
        scalers.append(nodes.fit_scaler(train, {"method": "standard"}))
    assert scalers[0] == scalers[1]


def baselines_for(values) -> dict:
    table = series_table(values)
    train, validation, test = nodes.split_series(table, SPLIT, WINDOWING)
    scaler = {"method": "standard", "offset": 0.0, "scale": 1.0}
    windows = nodes.make_windows(train, validation, test, scaler, WINDOWING)
    return nodes.evaluate_baselines(
        windows, train, validation, test, scaler, {"ridge_alpha": 1.0}, {"folds": 2}
    )


def test_persistence_on_a_constant_series_has_zero_error() -> None:
    persistence = baselines_for(np.full(152, 12.5))["persistence"]
    assert (
        persistence["test_mae"] == 0.0 and persistence["test_rmse"] == 0.0 and persistence["val_mae"] == 0.0
    )


def test_persistence_on_a_ramp_is_off_by_the_slope() -> None:
    baselines = baselines_for(np.arange(152) * 0.5)
    assert baselines["persistence"]["test_mae"] == pytest.approx(0.5)
    assert baselines["linear_window"]["test_mae"] < 0.05  # a ramp is linear in its window
    assert set(baselines) == {"persistence", "seasonal_naive", "linear_window"}


FOLDS = {"test_mae_mean": 2.0, "test_mae_sd": 0.1}  # the backtest columns every scorecard carries


def test_best_forecaster_is_chosen_on_validation_not_test() -> None:
    comparison = pd.DataFrame(
        [
            {"variant": "lstm", "kind": "rnn", "val_mae": 1.5, "test_mae": 2.0, "test_rmse": 2.5, **FOLDS},
            {"variant": "gru", "kind": "rnn", "val_mae": 1.6, "test_mae": 1.0, "test_rmse": 1.2, **FOLDS},
            {"variant": "persistence", "kind": "baseline", "val_mae": 1.0, "test_mae": 2.2, "test_rmse": 3.0}
            | FOLDS,
        ]
    )
    best = skeleton.select(comparison, release=DOMAIN)
    assert best["variant"] == "lstm"
    assert best["improvement_over_persistence"] == pytest.approx(1 - 2.0 / 2.2)


def test_a_window_longer_than_a_split_part_is_refused_naming_the_parameters_and_the_part() -> None:
    from rnn_pipelines.schemas import ParameterError

    table = series_table(np.arange(152.0))  # 2000-01-01 … 2000-05-31: validation (April) holds 30 days
    with pytest.raises(ParameterError) as refused:
        nodes.split_series(table, SPLIT, {**WINDOWING, "sequence_length": 28, "horizon": 3})
    message = str(refused.value)
    assert "forecasting.windowing.sequence_length + forecasting.windowing.horizon = 28 + 3 = 31" in message
    assert "validation: 30 days (2000-04-01 to 2000-04-30)" in message
    assert "train:" not in message  # the parts that hold a window are not named
    train, validation, test = nodes.split_series(
        table, SPLIT, {**WINDOWING, "sequence_length": 28, "horizon": 2}
    )
    assert len(validation) == 30 and len(train) == 91 and len(test) == 31


def test_the_backtest_splits_a_part_into_consecutive_folds_of_forecast_origins() -> None:
    folds = nodes.backtest_folds(100, 4)
    assert [len(f) for f in folds] == [25] * 4 and np.array_equal(np.concatenate(folds), np.arange(100))
    assert [len(f) for f in nodes.backtest_folds(103, 4)] == [25] * 4  # the 3 oldest left out
    assert nodes.backtest_folds(103, 4)[0][0] == 3
    assert [len(f) for f in nodes.backtest_folds(5, 4)] == [5]  # too short for folds: one


def test_each_fold_is_scored_with_its_origin_and_the_spread_across_folds() -> None:
    actual = np.zeros((60, 1))
    predicted = np.concatenate([np.full(20, 1.0), np.full(20, 2.0), np.full(20, 3.0)])[:, None]
    dates = pd.date_range("1990-01-01", periods=60, freq="D").to_numpy()
    scores = nodes.fold_scores(actual, predicted, dates, 3)
    assert scores["mae_folds"] == [1.0, 2.0, 3.0]
    assert scores["mae_mean"] == pytest.approx(2.0) and scores["mae_sd"] == pytest.approx(1.0)
    assert scores["origins"] == ["1990-01-01", "1990-01-21", "1990-02-10"]


def test_every_row_carries_its_backtest_on_validation_and_test() -> None:
    ramp = baselines_for(np.arange(152) * 0.5)["persistence"]
    assert ramp["test_mae_folds"] == [0.5, 0.5] and ramp["val_mae_folds"] == [0.5, 0.5]
    assert ramp["test_mae_sd"] == pytest.approx(0.0) and len(ramp["test_origins"]) == 2
