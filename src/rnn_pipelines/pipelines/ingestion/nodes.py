"""Ingestion nodes: turn the raw sources into typed tables. No file I/O here; datasets do that."""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.errors import UserError
from rnn_pipelines.models.series import covariate_columns

logger = logging.getLogger(__name__)

_HTML_BREAK = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)
# Both spellings: the aclImdb folders say pos/neg, the 50k CSV says positive/negative.
_LABELS = {"pos": 1, "positive": 1, "1": 1, "neg": 0, "negative": 0, "0": 0}
REVIEW_COLUMNS = ["review_id", "text", "label", "rating", "split"]
TEMPERATURE_COLUMNS = ["date", "temp_c", "source_row"]
UNITS = ("celsius", "fahrenheit", "kelvin")
EXAMPLE_ROWS = 5  # rows named in an error


def _assign_splits(labels: pd.Series, test_fraction: float, seed: int) -> pd.Series:
    """Seeded split stratified by label, for sources (the 50k CSV) that carry no split of their own."""
    rng = np.random.default_rng(seed)
    split = pd.Series("train", index=labels.index, dtype="string")
    for _, members in labels.groupby(labels, dropna=False).groups.items():
        shuffled = rng.permutation(np.asarray(members))
        split.loc[shuffled[: round(len(shuffled) * test_fraction)]] = "test"
    return split


def _sample_per_group(table: pd.DataFrame, per_group: int | None, seed: int) -> pd.DataFrame:
    if not per_group:
        return table
    shuffled = table.sample(frac=1.0, random_state=seed)
    return shuffled.groupby(["split", "label"], dropna=False).head(per_group).sort_index()


def build_review_table(raw: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """Type the raw IMDB reviews: map sentiment to a 0/1 label and turn HTML breaks into text.

    Args:
        raw: ``review_id, split, sentiment, rating, text`` from ``ImdbReviewsDataset``.
        options: ``html_line_break`` (replacement for ``<br />``), ``csv_test_fraction`` and ``seed``
            (split for sources without one), ``sample_per_group`` (``null`` = all rows; a number
            keeps that many reviews per split and label, for smoke runs).

    Returns:
        ``review_id`` (string), ``text`` (string), ``label`` (Int8, missing when the sentiment is
        unknown, which validation reports), ``rating`` (Int16), ``split`` (``train``/``test``).
    """
    label = raw["sentiment"].astype("string").str.strip().str.lower().map(_LABELS).astype("Int8")
    split = raw["split"].astype("string")
    if split.isna().any():
        assigned = _assign_splits(label, options["csv_test_fraction"], options["seed"])
        split = split.fillna(assigned)
    table = pd.DataFrame(
        {
            "review_id": raw["review_id"].astype("string"),
            "text": raw["text"]
            .astype("string")
            .str.replace(_HTML_BREAK, options["html_line_break"], regex=True),
            "label": label,
            "rating": raw["rating"].astype("Int16"),
            "split": split,
        }
    )
    table = _sample_per_group(table, options.get("sample_per_group"), options["seed"])
    counts = table.groupby(["split", "label"], dropna=False).size().to_dict()
    logger.info("IMDB: %d reviews, per (split, label): %s", len(table), counts)
    return table.reset_index(drop=True)[REVIEW_COLUMNS]


def build_corpus(text: str, options: dict[str, Any]) -> str:
    """Normalise line endings and optionally truncate the corpus (``max_characters``, for smoke runs)."""
    corpus = text.replace("\r\n", "\n").replace("\r", "\n")
    limit = options.get("max_characters")
    if limit:
        corpus = corpus[:limit]
    logger.info("Corpus: %d characters, %d distinct", len(corpus), len(set(corpus)))
    return corpus


class SeriesFrequencyError(UserError, ValueError):
    """The series is not one value per day and the configuration does not say how to make it so."""


class FeatureColumnError(UserError, ValueError):
    """``temperatures_ingestion.features`` names a column the temperature source does not have."""


def _features(raw: pd.DataFrame, names: list[str]) -> dict[str, pd.Series]:
    """The covariates ``names`` as numbers (a cell that does not parse becomes missing, for validation
    to name with its row).

    Raises:
        FeatureColumnError: A name is not a column of the source (with the columns it has, and the
            closest match).
    """
    import difflib

    available = [c for c in raw.columns if c not in ("date", "value", "source_row")]
    for name in names:
        if name not in available:
            close = difflib.get_close_matches(name, available, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise FeatureColumnError(
                f"temperatures_ingestion.features names '{name}', which is not a column of the temperature "
                "source "
                f"(its other columns: {available or 'none'}){hint}"
            )
    return {name: pd.to_numeric(raw[name], errors="coerce").astype("float64") for name in names}


def to_celsius(values: np.ndarray | pd.Series, unit: str) -> np.ndarray | pd.Series:
    """Temperatures in ``unit`` (``celsius``, ``fahrenheit`` or ``kelvin``) as °C."""
    if unit == "fahrenheit":
        return (values - 32.0) * 5.0 / 9.0
    if unit == "kelvin":
        return values - 273.15
    if unit == "celsius":
        return values
    raise ValueError(f"temperatures_ingestion.unit must be one of {UNITS}, got '{unit}'")


def from_celsius(values: np.ndarray | pd.Series, unit: str) -> np.ndarray | pd.Series:
    """°C as temperatures in ``unit`` (the inverse of ``to_celsius``)."""
    if unit == "fahrenheit":
        return values * 9.0 / 5.0 + 32.0
    if unit == "kelvin":
        return values + 273.15
    return to_celsius(values, unit)  # celsius, or the error naming the setting


def _step_name(step: pd.Timedelta) -> str:
    """``hourly``, ``every 30 minutes``, ``weekly``... for a median step."""
    names = {pd.Timedelta(hours=1): "hourly", pd.Timedelta(days=7): "weekly", pd.Timedelta(days=1): "daily"}
    return names.get(step, f"every {step}")


def _to_daily(series: pd.DataFrame, resample: str | None) -> pd.DataFrame:
    """The series with one row per day: a daily series as it is; a sub-daily one aggregated with
    ``resample`` (``min``, ``mean`` or ``max`` of each calendar day) when it is regular.

    Raises:
        SeriesFrequencyError: Sub-daily without ``resample`` (the message says what to set), sub-daily
            with irregular spacing (the first irregular timestamps named), or coarser than daily.
    """
    dated = series.dropna(subset=["date"])
    steps = dated["date"].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        return series
    step = steps.median()
    if pd.Timedelta(days=1) <= step < pd.Timedelta(days=2):
        return series  # daily; its gaps are validation's to judge
    if step > pd.Timedelta(days=1):
        raise SeriesFrequencyError(
            f"The temperature series is {_step_name(step)} (median step {step} over {len(dated)} rows): the "
            "forecasting pipeline needs one value per day; a coarser series cannot be made daily."
        )
    irregular = dated.loc[steps.index[(steps % step) != pd.Timedelta(0)]]
    if len(irregular):
        where = ", ".join(
            f"{row.date} (row {row.source_row})" for row in irregular.head(EXAMPLE_ROWS).itertuples()
        )
        raise SeriesFrequencyError(
            f"The temperature series is irregularly spaced: its median step is {step}, but "
            f"{len(irregular)} timestamps are not a whole number of steps after the one before, first: "
            f"{where}. Fix those rows, or resample the file to a regular step before ingesting it."
        )
    if resample is None:
        raise SeriesFrequencyError(
            f"The temperature series is {_step_name(step)} (median step {step} over {len(dated)} rows), but "
            "the forecasting pipeline forecasts one value per day. Set temperatures_ingestion.resample to "
            "min (the daily minimum, like Melbourne's series), mean or max to aggregate each day "
            "(e.g. kedro run --params temperatures_ingestion.resample=min)."
        )
    per_day = pd.Timedelta(days=1) // step
    grouped = dated.groupby(dated["date"].dt.floor("D"))
    features = covariate_columns(series)
    daily = grouped.agg(
        temp_c=("temp_c", resample),
        source_row=("source_row", "first"),
        readings=("temp_c", "count"),
        **{name: (name, "mean") for name in features},  # covariates: each day's mean
    )
    sparse = daily["readings"] < per_day / 2  # a day's minimum from two readings is not its minimum
    logger.info(
        "Temperatures: %s series (%d rows) aggregated to %d days by their %s; %d day(s) with fewer than half "
        "of their %d readings dropped (gaps, interpolated later)",
        _step_name(step),
        len(dated),
        len(daily),
        resample,
        int(sparse.sum()),
        per_day,
    )
    daily = daily[~sparse].rename_axis("date").reset_index()
    columns = [*TEMPERATURE_COLUMNS, *features]
    return pd.concat([daily[columns], series[series["date"].isna()]], ignore_index=True)


def build_temperature_series(raw: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """Parse dates and values, convert them to °C, sort by date, make the series daily (a sub-daily one
    by ``resample``) and report gaps between consecutive days.

    Cells that do not parse become missing values (kept with their ``source_row``) so validation
    can name them instead of the run failing on the first bad cell.

    Args:
        raw: ``date, value, source_row`` from ``DailySeriesDataset``.
        options: ``date_format`` (``null`` lets pandas infer one consistent format), ``unit`` of the
            values (``celsius``, ``fahrenheit``, ``kelvin``), ``resample`` (``null``, ``min``,
            ``mean``, ``max``: how a sub-daily series becomes daily) and ``features``: the source's
            columns kept as covariates (in their own units; a sub-daily one averaged per day).

    Returns:
        ``date`` (datetime64), ``temp_c`` (float64), ``source_row`` and each feature (float64), sorted
        by date.

    Raises:
        SeriesFrequencyError: The series is not daily and cannot be made so as configured.
        FeatureColumnError: A feature is not a column of the source.
    """
    unit = options.get("unit", "celsius")
    series = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"], format=options.get("date_format"), errors="coerce"),
            "temp_c": to_celsius(pd.to_numeric(raw["value"], errors="coerce").astype("float64"), unit),
            "source_row": raw["source_row"].astype("int64"),
            **_features(raw, list(options.get("features") or [])),
        }
    )
    if unit != "celsius":
        logger.info("Temperatures: converted from %s to °C", unit)
    series = series.sort_values("date", kind="stable", na_position="last").reset_index(drop=True)
    series = _to_daily(series, options.get("resample"))
    gaps = series["date"].diff().dt.days
    long_gaps = series.loc[gaps > 1, "date"]
    if len(long_gaps):
        largest = int(gaps.max())
        logger.warning(
            "Temperatures: %d gap(s) in the daily series, the largest %d days (first before %s)",
            len(long_gaps),
            largest,
            long_gaps.iloc[0].date(),
        )
    logger.info(
        "Temperatures: %d days from %s to %s", len(series), series["date"].min(), series["date"].max()
    )
    return series[[*TEMPERATURE_COLUMNS, *(options.get("features") or [])]]
