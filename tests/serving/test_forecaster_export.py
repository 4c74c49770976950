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
