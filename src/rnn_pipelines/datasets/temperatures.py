"""Kedro dataset for a daily temperature series: Melbourne, a user CSV, or the seeds' synthetic series."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from kedro.io import AbstractDataset
from kedro.io.core import DatasetError

from rnn_pipelines.datasets.sources import DataSourceError, RemoteFile, SourceSpec, resolve_source

MELBOURNE = RemoteFile(
    url="https://raw.githubusercontent.com/jbrownlee/Datasets/master/daily-min-temperatures.csv",
    filename="daily-min-temperatures.csv",
    checksum="sha256:a29a71f38cf548a0b12bee44ceb510919a8cef450e19019261d534208c884fa2",
)
SOURCES = ("melbourne", "synthetic", "csv")
RAW_COLUMNS = ["date", "value", "source_row"]


def synthetic_series(
    *, days: int, start: str, seed: int, mean: float = 25.0, amplitude: float = 10.0, noise_std: float = 2.0
) -> pd.DataFrame:
    """The seeds' series ``mean + amplitude·sin(2πd/365) + N(0, noise_std)``, a row a day from ``start``."""
    if days < 1:
        raise DataSourceError(f"temperatures synthetic.days must be a positive integer, got {days}.")
    d = np.arange(days)
    noise = np.random.default_rng(seed).normal(0.0, noise_std, size=days)
    return pd.DataFrame(
        {
            "date": pd.date_range(start, periods=days, freq="D"),
            "value": mean + amplitude * np.sin(2 * np.pi * d / 365) + noise,
            "source_row": d + 1,
        }
    )


def read_series_csv(path: Any, date_column: str, value_column: str) -> pd.DataFrame:
    """Read a CSV's date and value columns as text, keeping each row's line number for messages; the
    file's other columns come along as text under their own names (covariates: ingestion types the ones
    ``temperatures_ingestion.features`` names).

    Raises:
        DatasetError: The file cannot be parsed or lacks one of the configured columns.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataSourceError(f"Temperature CSV '{path}' cannot be parsed: {err}") from err
    missing = [c for c in (date_column, value_column) if c not in frame.columns]
    if missing:
        raise DataSourceError(
            f"Temperature CSV '{path}' lacks the column(s) {missing}; found {list(frame.columns)}. "
            "Set date_column / value_column for this file in conf/ (globals: temperatures)."
        )
    others = frame.drop(columns=[date_column, value_column]).drop(columns=RAW_COLUMNS, errors="ignore")
    return pd.DataFrame(
        {
            "date": frame[date_column].str.strip(),
            "value": frame[value_column].str.strip(),
            "source_row": np.arange(2, len(frame) + 2),  # header is line 1
            **{name: others[name].str.strip() for name in others.columns},
        }
    )


class DailySeriesDataset(AbstractDataset[None, pd.DataFrame]):
    """Loads a raw daily series (``date, value, source_row``) from the configured source.

    ``source`` is ``melbourne`` (mirror → cache → download), ``csv`` (``filepath`` with
    ``date_column`` / ``value_column``) or ``synthetic`` (``synthetic`` holds ``days``, ``start``,
    ``seed`` and optionally ``mean``, ``amplitude``, ``noise_std``). Parsing and typing happen in the
    ingestion node, so a bad cell is reported by validation with its row instead of failing the read.
    """

    def __init__(  # Kedro passes catalog entries as keywords
        self,
        *,
        source: str = "melbourne",
        filepath: str | None = None,
        mirror: str | None = None,
        cache_dir: str = "data/01_raw",
        date_column: str = "Date",
        value_column: str = "Temp",
        synthetic: dict[str, Any] | None = None,
        download: bool = True,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if source not in SOURCES:
            raise DataSourceError(f"temperatures source must be one of {SOURCES}, got '{source}'.")
        if source == "csv" and not filepath:
            raise DataSourceError("temperatures source 'csv' needs a filepath in conf/ (globals).")
        self._source = source
        self._spec = SourceSpec(
            name="Melbourne temperatures" if source == "melbourne" else "Temperature CSV",
            filepath=filepath if source == "csv" else None,
            mirror=mirror,
            cache_dir=cache_dir,
            candidates=(MELBOURNE.filename,),
            remote=MELBOURNE,
        )
        self._columns = (date_column, value_column) if source == "csv" else ("Date", "Temp")
        self._synthetic = dict(synthetic or {"days": 3650, "start": "1981-01-01", "seed": 42})
        self._download = download
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        """Generate or read the raw series."""
        if self._source == "synthetic":
            return synthetic_series(**self._synthetic)
        path = resolve_source(self._spec, allow_download=self._download)
        return read_series_csv(path, *self._columns)

    def save(self, data: None) -> None:
        raise DatasetError("DailySeriesDataset is read-only.")

    def _describe(self) -> dict[str, Any]:
        return {"source": self._source, "filepath": self._spec.filepath, "mirror": self._spec.mirror}
