"""Daily series → scaled, windowed arrays for recurrent forecasters; shared by training and serving."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

SCALERS = ("standard", "minmax")
DAYS_PER_YEAR = 365.25


NOT_COVARIATES = ("date", "temp_c", "source_row", "filled")  # every other column of a series is a covariate


def covariate_columns(series: pd.DataFrame) -> list[str]:
    """The series' covariates (``temperatures_ingestion.features``), in their order: its columns other than
    the date, the target, the source row and the interpolation flag."""
    return [c for c in series.columns if c not in NOT_COVARIATES]


def regularise_daily(series: pd.DataFrame) -> pd.DataFrame:
    """Every calendar day from first to last, missing days interpolated linearly in time (the target and
    every covariate column).

    Windows assume one row per day; a missing day would silently shift every window across it.

    Returns:
        ``date``, ``temp_c``, ``filled`` (True where the values were interpolated) and the covariates.
    """
    features = covariate_columns(series)
    indexed = series.set_index("date")[["temp_c", *features]]
    days = pd.date_range(indexed.index.min(), indexed.index.max(), freq="D", name="date")
    daily = indexed.reindex(days)
    filled = daily["temp_c"].isna()
    if filled.any():
        logger.info("Interpolated %d missing day(s): %s", int(filled.sum()), list(days[filled].date)[:5])
    values = daily.interpolate(method="time")
    return pd.DataFrame(
        {
            "date": days,
            "temp_c": values["temp_c"].to_numpy(),
            "filled": filled.to_numpy(),
            **{name: values[name].to_numpy() for name in features},
        }
    )


MIN_YEARS_FOR_YEARLY_SPLIT = 3  # a series this long, with no cut dates inside it, is cut at whole years


def split_by_date(
    series: pd.DataFrame,
    *,
    train_end: str,
    validation_end: str,
    fractions: dict[str, float],
    whole_years: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Chronological split, never shuffled: ``date <= train_end`` / ``<= validation_end`` / the rest.

    When the configured dates do not both fall strictly inside the series (another source), a series of
    at least ``MIN_YEARS_FOR_YEARLY_SPLIT`` years is cut at whole years (``whole_years``): its last year
    is the test part and the year before it validation, so each holds every season; a shorter one is cut
    by ``fractions`` (``train``, ``validation``; the test part is the remainder).
    """
    first, last = series["date"].min(), series["date"].max()
    train_end_ts, validation_end_ts = pd.Timestamp(train_end), pd.Timestamp(validation_end)
    years_before_end = last - pd.DateOffset(years=MIN_YEARS_FOR_YEARLY_SPLIT)
    if first < train_end_ts < validation_end_ts < last:
        cuts = (series["date"] <= train_end_ts, series["date"] <= validation_end_ts)
        how = f"by date (train ≤ {train_end}, validation ≤ {validation_end})"
    elif whole_years and first <= years_before_end + pd.Timedelta(days=1):
        validation_start = last - pd.DateOffset(years=2)  # exclusive: a year is the 365 or 366 days after it
        test_start = last - pd.DateOffset(years=1)
        cuts = (series["date"] <= validation_start, series["date"] <= test_start)
        how = (
            f"at whole years ({(last - first).days / 365.25:.1f} years; validation "
            f"{(validation_start + pd.Timedelta(days=1)).date()} to {test_start.date()}, test "
            f"{(test_start + pd.Timedelta(days=1)).date()} to {last.date()})"
        )
    else:
        n = len(series)
        position = np.arange(n)
        train_rows = round(n * fractions["train"])
        validation_rows = round(n * (fractions["train"] + fractions["validation"]))
        cuts = (position < train_rows, position < validation_rows)
        how = (
            f"by fractions {fractions} (dates {train_end}/{validation_end} are not inside "
            f"{first.date()}…{last.date()})"
        )
    train = series[cuts[0]].reset_index(drop=True)
    validation = series[~cuts[0] & cuts[1]].reset_index(drop=True)
    test = series[~cuts[1]].reset_index(drop=True)
    logger.info("Split %s: %d / %d / %d days", how, len(train), len(validation), len(test))
    return train, validation, test


def fit_scaler(values: np.ndarray, method: str) -> dict[str, Any]:
    """Scaling statistics from the training values only: ``standard`` (mean/std) or ``minmax``."""
    if method not in SCALERS:
        raise ValueError(f"forecasting.scaling.method must be one of {SCALERS}, got '{method}'")
    values = np.asarray(values, dtype=np.float64)
    if method == "standard":
        offset, scale = float(values.mean()), float(values.std())
    else:
        offset, scale = float(values.min()), float(values.max() - values.min())
    if not np.isfinite(scale) or scale == 0:
        raise ValueError(f"Cannot scale: the training values are constant ({offset}); check the series.")
    return {"method": method, "offset": offset, "scale": scale}


def scale(values: np.ndarray, scaler: dict[str, Any]) -> np.ndarray:
    """°C → model units."""
    return ((np.asarray(values, dtype=np.float64) - scaler["offset"]) / scaler["scale"]).astype(np.float32)


def unscale(values: np.ndarray, scaler: dict[str, Any]) -> np.ndarray:
    """Model units → °C."""
    return np.asarray(values, dtype=np.float64) * scaler["scale"] + scaler["offset"]


def calendar_features(dates: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """Day of year as a point on a circle (sin, cos), so 31 Dec and 1 Jan are neighbours."""
    return calendar_features_of_days(pd.DatetimeIndex(dates).day_of_year.to_numpy())


def calendar_features_of_days(day_of_year: np.ndarray) -> np.ndarray:
    """``[..., 2]`` sin/cos features for an array of days of year (the serving export computes the same)."""
    angle = 2 * np.pi * np.asarray(day_of_year, dtype=np.float64) / DAYS_PER_YEAR
    return np.stack([np.sin(angle), np.cos(angle)], axis=-1).astype(np.float32)


def make_windows(
    part: pd.DataFrame,
    scaler: dict[str, Any],
    *,
    sequence_length: int,
    horizon: int,
    stride: int,
    calendar: bool,
) -> dict[str, np.ndarray]:
    """Windows inside one split part (so none crosses a split boundary).

    Window *i* reads ``sequence_length`` consecutive days and targets the next ``horizon`` days.

    Returns:
        ``x`` float32 ``[n, sequence_length, features]`` (scaled °C, then each covariate of
        ``scaler["features"]`` scaled, then sin/cos day of year when ``calendar``), ``y`` float32
        ``[n, horizon]`` (scaled), ``target_dates`` (first target day, ``datetime64[ns]``) and
        ``last_input`` (°C of each window's last day, for persistence).
    """
    values = scale(part["temp_c"].to_numpy(), scaler)
    span = sequence_length + horizon
    if len(values) < span:
        raise ValueError(
            f"A split part has {len(values)} days, fewer than sequence_length + horizon = {span}: "
            "shorten the window or give that part more days."
        )
    covariates = [
        scale(part[name].to_numpy(), stats)[:, None] for name, stats in scaler.get("features", {}).items()
    ]
    features = np.concatenate([values[:, None], *covariates], axis=1)
    if calendar:
        features = np.concatenate([features, calendar_features(part["date"])], axis=1)
    starts = np.arange(0, len(values) - span + 1, stride)
    steps = np.arange(sequence_length)
    x = features[starts[:, None] + steps]
    y = values[starts[:, None] + sequence_length + np.arange(horizon)]
    dates = part["date"].to_numpy()
    return {
        "x": x.astype(np.float32),
        "y": y.astype(np.float32),
        "target_dates": dates[starts + sequence_length],
        "last_input": part["temp_c"].to_numpy()[starts + sequence_length - 1],
    }


def windows_of(
    part: pd.DataFrame, scaler: dict[str, Any], windowing: dict[str, Any]
) -> dict[str, np.ndarray]:
    """``make_windows`` with the settings of ``forecasting.windowing`` (``sequence_length``, ``horizon``,
    ``stride``, ``calendar_features``)."""
    return make_windows(
        part,
        scaler,
        sequence_length=windowing["sequence_length"],
        horizon=windowing["horizon"],
        stride=windowing["stride"],
        calendar=windowing["calendar_features"],
    )
