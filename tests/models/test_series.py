"""Windowing, splitting and scaling of a daily series: exact alignment, no leaks across splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.models import series

IDENTITY = {"method": "standard", "offset": 0.0, "scale": 1.0}


def daily(values, start: str = "2000-01-01") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"date": pd.date_range(start, periods=len(values), freq="D"), "temp_c": values})


def test_windows_and_targets_line_up_exactly() -> None:
    part = daily(np.arange(10))
    windows = series.make_windows(part, IDENTITY, sequence_length=3, horizon=2, stride=1, calendar=False)
    assert windows["x"].shape == (6, 3, 1) and windows["y"].shape == (6, 2)
    np.testing.assert_array_equal(windows["x"][0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(windows["y"][0], [3, 4])
    np.testing.assert_array_equal(windows["x"][-1, :, 0], [5, 6, 7])
    np.testing.assert_array_equal(windows["y"][-1], [8, 9])
    np.testing.assert_array_equal(windows["last_input"], [2, 3, 4, 5, 6, 7])
    assert pd.Timestamp(windows["target_dates"][0]) == pd.Timestamp("2000-01-04")


def test_stride_skips_windows() -> None:
    windows = series.make_windows(
        daily(np.arange(10)), IDENTITY, sequence_length=3, horizon=1, stride=3, calendar=False
    )
    np.testing.assert_array_equal(windows["x"][:, 0, 0], [0, 3, 6])


def test_calendar_features_are_the_day_of_year_on_a_circle() -> None:
    windows = series.make_windows(
        daily(np.arange(5), "2001-12-31"), IDENTITY, sequence_length=2, horizon=1, stride=1, calendar=True
    )
    assert windows["x"].shape == (3, 2, 3)
    new_year_eve, new_year = windows["x"][0, 0, 1:], windows["x"][0, 1, 1:]
    assert np.linalg.norm(new_year_eve - new_year) < 0.05  # neighbours across the year boundary


def test_a_part_shorter_than_one_window_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"has 3 days, fewer than sequence_length \+ horizon = 4"):
        series.make_windows(
            daily([1, 2, 3]), IDENTITY, sequence_length=3, horizon=1, stride=1, calendar=False
        )


def test_scaling_round_trips_and_rejects_a_constant_series() -> None:
    values = np.array([10.0, 12.0, 14.0])
    for method in series.SCALERS:
        scaler = series.fit_scaler(values, method)
        np.testing.assert_allclose(series.unscale(series.scale(values, scaler), scaler), values, rtol=1e-6)
    assert series.fit_scaler(values, "minmax") == {"method": "minmax", "offset": 10.0, "scale": 4.0}
    with pytest.raises(ValueError, match="constant"):
        series.fit_scaler(np.full(5, 3.0), "standard")
    with pytest.raises(ValueError, match="must be one of"):
        series.fit_scaler(values, "robust")


def test_missing_days_are_filled_by_interpolation_and_flagged() -> None:
    gappy = daily([0.0, 1.0, 2.0, 3.0]).drop(index=2)
    filled = series.regularise_daily(gappy)
    assert len(filled) == 4 and filled["filled"].tolist() == [False, False, True, False]
    assert filled.loc[2, "temp_c"] == pytest.approx(2.0)


def test_split_by_date_when_the_dates_are_inside_the_series() -> None:
    data = daily(np.arange(3650), "1981-01-01")
    train, validation, test = series.split_by_date(
        data, train_end="1988-12-31", validation_end="1989-12-31", fractions={"train": 0.8, "validation": 0.1}
    )
    assert train["date"].max() == pd.Timestamp("1988-12-31")
    assert validation["date"].min() == pd.Timestamp("1989-01-01")
    assert validation["date"].max() == pd.Timestamp("1989-12-31")
    assert test["date"].min() == pd.Timestamp("1990-01-01")
    assert len(train) + len(validation) + len(test) == len(data)


def test_a_series_of_three_years_or_more_is_cut_at_whole_years() -> None:
    station = daily(np.arange(1461), "2012-01-01")  # a user's station: 2012-2015, no cut dates inside
    train, validation, test = series.split_by_date(
        station,
        train_end="1988-12-31",
        validation_end="1989-12-31",
        fractions={"train": 0.8, "validation": 0.1},
    )
    assert (train["date"].min(), train["date"].max()) == (
        pd.Timestamp("2012-01-01"),
        pd.Timestamp("2013-12-31"),
    )
    assert (validation["date"].min(), validation["date"].max()) == (
        pd.Timestamp("2014-01-01"),
        pd.Timestamp("2014-12-31"),
    )
    assert (test["date"].min(), test["date"].max()) == (
        pd.Timestamp("2015-01-01"),
        pd.Timestamp("2015-12-31"),
    )
    # a series ending mid-year: its last twelve months are the test part
    shifted = daily(np.arange(1200), "2012-03-15")
    _, validation, test = series.split_by_date(
        shifted,
        train_end="1988-12-31",
        validation_end="1989-12-31",
        fractions={"train": 0.8, "validation": 0.1},
    )
    assert len(test) == 365 and len(validation) in (365, 366)
    assert test["date"].max() - test["date"].min() == pd.Timedelta(days=364)
    # opted out: fractions, as for a shorter series
    train, validation, test = series.split_by_date(
        station,
        train_end="1988-12-31",
        validation_end="1989-12-31",
        fractions={"train": 0.8, "validation": 0.1},
        whole_years=False,
    )
    assert (len(train), len(validation), len(test)) == (1169, 146, 146)


def test_split_by_fractions_for_other_series() -> None:
    train, validation, test = series.split_by_date(
        daily(np.arange(100)),
        train_end="1988-12-31",
        validation_end="1989-12-31",
        fractions={"train": 0.7, "validation": 0.2},
    )
    assert (len(train), len(validation), len(test)) == (70, 20, 10)
    assert train["date"].max() < validation["date"].min() and validation["date"].max() < test["date"].min()
