"""Ingestion nodes: turn the raw sources into typed tables. No file I/O here; datasets do that."""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

_HTML_BREAK = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)
# Both spellings: the aclImdb folders say pos/neg, the 50k CSV says positive/negative.
_LABELS = {"pos": 1, "positive": 1, "1": 1, "neg": 0, "negative": 0, "0": 0}
REVIEW_COLUMNS = ["review_id", "text", "label", "rating", "split"]
TEMPERATURE_COLUMNS = ["date", "temp_c", "source_row"]


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


def build_temperature_series(raw: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """Parse dates and °C values, sort by date and report gaps between consecutive days.

    Cells that do not parse become missing values (kept with their ``source_row``) so validation
    can name them instead of the run failing on the first bad cell.

    Args:
        raw: ``date, value, source_row`` from ``DailySeriesDataset``.
        options: ``date_format`` (``null`` lets pandas infer one consistent format).

    Returns:
        ``date`` (datetime64), ``temp_c`` (float64) and ``source_row``, sorted by date.
    """
    series = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"], format=options.get("date_format"), errors="coerce"),
            "temp_c": pd.to_numeric(raw["value"], errors="coerce").astype("float64"),
            "source_row": raw["source_row"].astype("int64"),
        }
    )
    series = series.sort_values("date", kind="stable", na_position="last").reset_index(drop=True)
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
    return series[TEMPERATURE_COLUMNS]
