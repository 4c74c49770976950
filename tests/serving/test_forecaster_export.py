"""The exported forecaster takes raw °C windows (and days of year) and returns °C, in a fresh process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.datasets.selected import Selected
from rnn_pipelines.models import series
from rnn_pipelines.pipelines.forecasting.export import verify_forecaster_export
from rnn_pipelines.serving.forecaster import export_archive, serve_windows

SCALER = {"method": "standard", "offset": 15.0, "scale": 4.0}


def forecaster(features: int, horizon: int):
    import keras

    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(6, features))
    outputs = keras.layers.Dense(horizon)(keras.layers.LSTM(4)(inputs))
    return keras.Model(inputs, outputs)


def windows_for(calendar: bool) -> dict:
    days = pd.DataFrame(
        {
            "date": pd.date_range("1990-12-20", periods=40, freq="D"),
            "temp_c": 15 + 5 * np.sin(np.arange(40) / 3),
        }
    )
    return series.make_windows(days, SCALER, sequence_length=6, horizon=2, stride=1, calendar=calendar)


@pytest.mark.parametrize("calendar", [False, True])
def test_forecaster_export_round_trips_in_a_fresh_process(tmp_path, calendar: bool) -> None:
    windowing = {"sequence_length": 6, "horizon": 2, "calendar_features": calendar}
    model = forecaster(3 if calendar else 1, 2)
    path = tmp_path / "export"
    export_archive(model, SCALER, windowing).write_out(str(path), verbose=False)
    test = windows_for(calendar)
    report = verify_forecaster_export(
        str(path),
        {"variant": "m"},
        Selected("m", "rnn", model=model),
        {"test": test},
        SCALER,
        windowing,
        {"test_windows": 8, "atol": 1e-4},
    )
    assert report["passed"] and report["inputs"] == 10  # 8 test windows + constant + extreme


def test_served_forecasts_are_in_degrees(tmp_path) -> None:
    windowing = {"sequence_length": 6, "horizon": 2, "calendar_features": False}
    model = forecaster(1, 2)
    path = tmp_path / "export"
    export_archive(model, SCALER, windowing).write_out(str(path), verbose=False)
    raw = series.unscale(windows_for(False)["x"][:3, :, 0], SCALER).astype(np.float32)
    served = serve_windows(path, raw)
    in_memory = series.unscale(model.predict(series.scale(raw, SCALER)[..., None], verbose=0), SCALER)
    assert served.shape == (3, 2)
    np.testing.assert_allclose(served, in_memory, atol=1e-4)


COVARIATES = {
    "wind": {"method": "standard", "offset": 12.0, "scale": 5.0},
    "temp_max": {"method": "standard", "offset": 22.0, "scale": 6.0},
}


def station_windows(calendar: bool) -> dict:
    days = pd.DataFrame(
        {
            "date": pd.date_range("1990-12-20", periods=40, freq="D"),
            "temp_c": 15 + 5 * np.sin(np.arange(40) / 3),
            "wind": 12 + 4 * np.cos(np.arange(40) / 2),
            "temp_max": 22 + 5 * np.sin(np.arange(40) / 3 + 0.5),
        }
    )
    scaler = {**SCALER, "features": COVARIATES}
    return series.make_windows(days, scaler, sequence_length=6, horizon=2, stride=1, calendar=calendar)


def test_windows_stack_the_target_then_each_covariate_then_the_calendar() -> None:
    windows = station_windows(calendar=True)
    assert windows["x"].shape == (33, 6, 5)  # temp_c, wind, temp_max, sin, cos
    wind = series.unscale(windows["x"][0, :, 1], COVARIATES["wind"])
    np.testing.assert_allclose(wind, 12 + 4 * np.cos(np.arange(6) / 2), atol=1e-5)
    assert windows["y"].shape == (33, 2)  # the target alone


@pytest.mark.parametrize("calendar", [False, True])
def test_a_forecaster_with_covariates_takes_each_in_its_own_units(tmp_path, calendar: bool) -> None:
    windowing = {"sequence_length": 6, "horizon": 2, "calendar_features": calendar}
    scaler = {**SCALER, "features": COVARIATES}
    model = forecaster(5 if calendar else 3, 2)
    path = tmp_path / "export"
    export_archive(model, scaler, windowing).write_out(str(path), verbose=False)
    test = station_windows(calendar)
    report = verify_forecaster_export(
        str(path),
        {"variant": "m"},
        Selected("m", "rnn", model=model),
        {"test": test},
        scaler,
        windowing,
        {"test_windows": 8, "atol": 1e-4},
    )
    assert report["passed"] and report["inputs"] == 10
    # the signature names every input: the window, the days, then the covariates in training's order
    import tensorflow as tf

    serve = tf.saved_model.load(str(path)).signatures["serve"]
    names = [spec.name for spec in serve.structured_input_signature[1].values()]
    expected = {"window", "wind", "temp_max", *(["day_of_year"] if calendar else [])}
    assert set(names) == expected
    # a covariate changes the forecast: it is read, not ignored
    raw = series.unscale(test["x"][:4, :, 0], SCALER).astype(np.float32)
    wind = series.unscale(test["x"][:4, :, 1], COVARIATES["wind"]).astype(np.float32)
    hot = series.unscale(test["x"][:4, :, 2], COVARIATES["temp_max"]).astype(np.float32)
    days = np.tile(np.arange(350, 356, dtype=np.int32), (4, 1)) if calendar else None
    calm = serve_windows(path, raw, days, [wind, hot])
    stormy = serve_windows(path, raw, days, [wind + 30, hot])
    assert not np.allclose(calm, stormy)


def test_a_champion_is_rescored_on_a_new_test_part_with_its_own_windowing_and_covariates(tmp_path) -> None:
    import json

    from rnn_pipelines.pipelines.forecasting.export import score_champion

    windowing = {"sequence_length": 6, "horizon": 2, "stride": 1, "calendar_features": False}
    scaler = {**SCALER, "features": COVARIATES}
    model = forecaster(3, 2)
    path = tmp_path / "champion"
    export_archive(model, scaler, windowing).write_out(str(path), verbose=False)
    (path / "champion.json").write_text(json.dumps({"scaler": scaler, "windowing": windowing}))
    test = pd.DataFrame(
        {
            "date": pd.date_range("1991-01-01", periods=30, freq="D"),
            "temp_c": 14 + 3 * np.sin(np.arange(30) / 4),
            "wind": 10 + np.arange(30) % 5,
            "temp_max": 20 + 3 * np.cos(np.arange(30) / 4),
        }
    )
    windows = series.make_windows(test, scaler, sequence_length=6, horizon=2, stride=1, calendar=False)
    expected = series.unscale(model.predict(windows["x"], verbose=0), SCALER)
    actual = series.unscale(windows["y"], SCALER)
    assert score_champion(str(path), test) == pytest.approx(
        float(np.mean(np.abs(expected - actual))), abs=1e-4
    )
    with pytest.raises(ValueError, match=r"takes the covariates \['wind'\]"):
        score_champion(str(path), test.drop(columns="wind"))
