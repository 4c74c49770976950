"""A user's own station file end to end (smoke models): other column names, a ``2012/01/01`` date format,
°F values, four years cut at whole years, and an hourly file that stops naming ``resample``, then runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import current_version
from tests.integration.conftest import make_project_copy, registered_champion, run_smoke

DAYS = 1461  # 2012-2015, as the station file of the issue


def station_csv(path: Path, *, hourly: bool = False) -> Path:
    """A station-like file: ``date, precipitation, temp_max, temp_min, wind, weather``, temperatures in °F
    following the seasons (southern-hemisphere winter in July), the other columns noise."""
    rng = np.random.default_rng(3)
    stamps = pd.date_range("2012-01-01", periods=DAYS * (24 if hourly else 1), freq="h" if hourly else "D")
    season = np.cos(2 * np.pi * (stamps.dayofyear.to_numpy() - 15) / 365.25)
    daily_cycle = np.cos(2 * np.pi * (stamps.hour.to_numpy() - 15) / 24) if hourly else 0.0
    low_c = 11 + 5 * season + 3 * daily_cycle + rng.normal(0, 2, len(stamps))
    frame = pd.DataFrame(
        {
            "date": stamps.strftime("%Y/%m/%d %H:%M" if hourly else "%Y/%m/%d"),
            "precipitation": rng.gamma(0.5, 4, len(stamps)).round(1),
            "temp_max": (low_c * 9 / 5 + 32 + 15).round(1),
            "temp_min": (low_c * 9 / 5 + 32).round(1),
            "wind": rng.gamma(2, 2, len(stamps)).round(1),
            "weather": rng.choice(["sun", "rain", "fog"], len(stamps)),
        }
    )
    frame.to_csv(path, index=False)
    return path


def use_station(project: Path, csv: Path, ingestion: dict) -> None:
    """Point the smoke environment at ``csv`` (as a user's conf would) with ``ingestion`` settings."""
    (project / "conf/smoke/globals.yml").write_text(
        "sources:\n  temperatures:\n    source: csv\n"
        f"    csv: {{filepath: {csv}, date_column: date, value_column: temp_min}}\n"
    )
    settings = "\n".join(f"  {key}: {json.dumps(value)}" for key, value in ingestion.items())
    (project / "conf/smoke/parameters_ingestion.yml").write_text(f"temperatures_ingestion:\n{settings}\n")


COVARIATES = ["precipitation", "temp_max", "wind"]


def test_a_station_file_with_covariates_in_fahrenheit_runs_end_to_end_on_whole_years(tmp_path: Path) -> None:
    project = make_project_copy(tmp_path)
    settings = {"date_format": "%Y/%m/%d", "unit": "fahrenheit", "features": COVARIATES}
    use_station(project, station_csv(tmp_path / "station.csv"), settings)
    run_smoke(project, pipeline="forecasting")

    primary = project / "data/03_primary/forecasting"
    parts = {name: pd.read_parquet(primary / f"{name}.parquet") for name in ("train", "validation", "test")}
    assert (parts["test"]["date"].min(), parts["test"]["date"].max()) == (
        pd.Timestamp("2015-01-01"),
        pd.Timestamp("2015-12-31"),
    )  # the last year: every season in the test part
    assert parts["validation"]["date"].dt.year.unique().tolist() == [2014]
    assert parts["train"]["temp_c"].between(-5, 25).all()  # converted from °F
    reports = project / "data/08_reporting/forecasting"
    comparison = pd.read_csv(reports / "comparison.csv")
    assert {"persistence", "linear_window"} <= set(comparison["variant"])
    assert comparison["test_mae_mean"].notna().all() and (comparison["test_mae_sd"] > 0).all()
    assert (reports / "backtest.png").stat().st_size > 0

    # the covariates: scaled on the training part each, in the windows, and in the served model's inputs
    models = project / "data/06_models/forecasting"
    scaler = json.loads((models / "scaler.json").read_text())
    assert list(scaler["features"]) == COVARIATES
    assert scaler["features"]["temp_max"]["offset"] == pytest.approx(parts["train"]["temp_max"].mean())
    check = json.loads((reports / "export_check.json").read_text())
    assert check["passed"] and check["max_abs_difference"] <= 1e-4
    import tensorflow as tf

    serve = tf.saved_model.load(str(current_version(models / "candidate"))).signatures["serve"]
    assert {spec.name for spec in serve.structured_input_signature[1].values()} == {"window", *COVARIATES}

    # it beats persistence, so it is the champion, and the registry serves it on raw inputs with covariates
    blessing = json.loads((reports / "blessing.json").read_text())
    assert blessing["blessed"], blessing["reason"]
    from rnn_pipelines.serving.forecaster import serve_windows

    model = registered_champion(project, "rnn-pipelines-forecasting")
    test = parts["test"]
    rows = {name: [test[name].to_numpy()[:30].tolist()] for name in ["temp_c", *COVARIATES]}
    served = model.predict(pd.DataFrame(rows))
    on_disk = serve_windows(
        current_version(models / "champion"),
        np.array(rows["temp_c"]),
        None,
        [np.array(rows[n]) for n in COVARIATES],
    )
    np.testing.assert_allclose(served, on_disk, atol=1e-4)
    with pytest.raises(Exception, match=r"missing inputs \['wind'\]"):
        model.predict(pd.DataFrame({k: v for k, v in rows.items() if k != "wind"}))


def test_an_hourly_station_stops_naming_resample_then_runs_on_daily_minima(tmp_path: Path) -> None:
    from rnn_pipelines.pipelines.ingestion.nodes import SeriesFrequencyError

    project = make_project_copy(tmp_path)
    csv = station_csv(tmp_path / "hourly.csv", hourly=True)
    use_station(project, csv, {"date_format": "%Y/%m/%d %H:%M", "unit": "fahrenheit"})
    with pytest.raises(SeriesFrequencyError, match=r"hourly .* temperatures_ingestion\.resample"):
        run_smoke(project, pipeline="temperatures_data")
    assert not (project / "data/02_intermediate/temperatures.parquet").exists()

    use_station(project, csv, {"date_format": "%Y/%m/%d %H:%M", "unit": "fahrenheit", "resample": "min"})
    run_smoke(project, pipeline="temperatures_data")
    daily = pd.read_parquet(project / "data/02_intermediate/temperatures.parquet")
    assert len(daily) == DAYS and daily["date"].dt.hour.eq(0).all()
