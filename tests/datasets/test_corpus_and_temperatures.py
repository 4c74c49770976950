"""TextCorpusDataset and DailySeriesDataset: sources, column configuration and the synthetic series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.io.core import DatasetError

from rnn_pipelines.datasets import DailySeriesDataset, TextCorpusDataset


def test_corpus_reads_a_user_text_file(tmp_path: Path) -> None:
    path = tmp_path / "poems.txt"
    path.write_text("Shall I compare thee\nto a summer's day?\n", encoding="utf-8")
    assert TextCorpusDataset(filepath=str(path)).load() == "Shall I compare thee\nto a summer's day?\n"


def test_corpus_folder_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="is a folder"):
        TextCorpusDataset(filepath=str(tmp_path)).load()


def test_user_csv_with_configured_columns(tmp_path: Path) -> None:
    path = tmp_path / "station.csv"
    pd.DataFrame({"day": ["2001-01-02", "2001-01-01"], "tmin": ["3.5", "-1.0"]}).to_csv(path, index=False)
    raw = DailySeriesDataset(source="csv", filepath=str(path), date_column="day", value_column="tmin").load()
    assert raw.to_dict("list") == {
        "date": ["2001-01-02", "2001-01-01"],
        "value": ["3.5", "-1.0"],
        "source_row": [2, 3],
    }


def test_user_csv_with_wrong_columns_names_them(temperature_csv: Path) -> None:
    dataset = DailySeriesDataset(source="csv", filepath=str(temperature_csv), date_column="day")
    with pytest.raises(
        DatasetError, match=r"temps.csv' lacks the column\(s\) \['day'\]; found \['Date', 'Temp'\]"
    ):
        dataset.load()


def test_csv_source_without_a_path_is_a_config_error() -> None:
    with pytest.raises(DatasetError, match="source 'csv' needs a filepath"):
        DailySeriesDataset(source="csv")


def test_unknown_source_is_a_config_error() -> None:
    with pytest.raises(DatasetError, match=r"must be one of \('melbourne', 'synthetic', 'csv'\), got 'jena'"):
        DailySeriesDataset(source="jena")


def test_synthetic_series_follows_the_seed_formula_and_is_reproducible() -> None:
    config = {"days": 730, "start": "2000-01-01", "seed": 3}
    first = DailySeriesDataset(source="synthetic", synthetic=config).load()
    second = DailySeriesDataset(source="synthetic", synthetic=config).load()
    pd.testing.assert_frame_equal(first, second)
    other_seed = DailySeriesDataset(source="synthetic", synthetic={**config, "seed": 4}).load()
    assert not np.allclose(first["value"], other_seed["value"])
    residual = first["value"] - (25 + 10 * np.sin(2 * np.pi * np.arange(730) / 365))
    assert abs(residual.mean()) < 0.3 and 1.7 < residual.std() < 2.3  # N(0, 2) noise
    assert first["date"].iloc[-1] == pd.Timestamp("2001-12-30")


def test_synthetic_series_needs_positive_length() -> None:
    with pytest.raises(DatasetError, match=r"synthetic\.days must be a positive integer, got 0"):
        DailySeriesDataset(source="synthetic", synthetic={"days": 0, "start": "2000-01-01", "seed": 1}).load()
