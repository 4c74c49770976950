"""Ingestion nodes type the raw tables without touching their inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from rnn_pipelines.datasets import ImdbReviewsDataset
from rnn_pipelines.pipelines.ingestion.nodes import build_corpus, build_review_table, build_temperature_series

OPTIONS = {"html_line_break": "\n", "csv_test_fraction": 0.5, "seed": 42, "sample_per_group": None}


@pytest.fixture
def raw_reviews(acl_archive) -> pd.DataFrame:
    return ImdbReviewsDataset(filepath=str(acl_archive)).load()


def test_review_table_types_labels_and_html_breaks(raw_reviews) -> None:
    table = build_review_table(raw_reviews, OPTIONS).set_index("review_id")
    assert list(table.columns) == ["text", "label", "rating", "split"]
    assert table.loc["train/pos/0_9", "text"] == "A wonderful film.\n\nLoved it."
    assert table.loc["train/neg/1_3", "text"] == "Boring\nand long."
    assert table.loc["train/pos/0_9", "label"] == 1 and table.loc["test/neg/0_2", "label"] == 0
    assert str(table["label"].dtype) == "Int8" and str(table["rating"].dtype) == "Int16"


def test_review_table_does_not_mutate_its_input(raw_reviews) -> None:
    before = raw_reviews.copy()
    build_review_table(raw_reviews, OPTIONS)
    pd.testing.assert_frame_equal(raw_reviews, before)


def test_unknown_sentiment_becomes_a_missing_label_for_validation(raw_reviews) -> None:
    raw = raw_reviews.assign(sentiment=raw_reviews["sentiment"].where(raw_reviews.index != 0, "neutral"))
    table = build_review_table(raw, OPTIONS)
    assert table["label"].isna().sum() == 1


def test_csv_rows_get_a_seeded_stratified_split(review_csv) -> None:
    raw = ImdbReviewsDataset(filepath=str(review_csv)).load()
    table = build_review_table(raw, OPTIONS)
    counts = table.groupby(["split", "label"]).size()
    assert counts.to_dict() == {("test", 0): 3, ("test", 1): 3, ("train", 0): 3, ("train", 1): 3}
    again = build_review_table(raw, OPTIONS)
    pd.testing.assert_series_equal(table["split"], again["split"])
    reseeded = build_review_table(raw, {**OPTIONS, "seed": 7})
    assert not table["split"].equals(reseeded["split"])


def test_sampling_keeps_n_per_split_and_label(raw_reviews) -> None:
    table = build_review_table(raw_reviews, {**OPTIONS, "sample_per_group": 2})
    assert table.groupby(["split", "label"]).size().tolist() == [2, 2, 2, 2]


def test_corpus_line_endings_and_truncation() -> None:
    assert build_corpus("a\r\nb\rc\n", {"max_characters": None}) == "a\nb\nc\n"
    assert build_corpus("abcdef", {"max_characters": 3}) == "abc"


def test_temperature_series_is_parsed_and_sorted_keeping_bad_cells() -> None:
    raw = pd.DataFrame(
        {
            "date": ["1990-01-03", "1990-01-01", "not a date", "1990-01-02"],
            "value": ["3.5", "?0.2", "4", "-1"],
            "source_row": [2, 3, 4, 5],
        }
    )
    series = build_temperature_series(raw, {"date_format": None})
    assert series["source_row"].tolist() == [3, 5, 2, 4]  # by date, unparseable date last
    assert series["temp_c"].isna().tolist() == [True, False, False, False]
    assert series["date"].isna().tolist() == [False, False, False, True]


def test_temperature_series_honours_a_date_format() -> None:
    raw = pd.DataFrame({"date": ["02/01/1990", "01/01/1990"], "value": ["1", "2"], "source_row": [2, 3]})
    series = build_temperature_series(raw, {"date_format": "%d/%m/%Y"})
    assert series["date"].dt.strftime("%Y-%m-%d").tolist() == ["1990-01-01", "1990-01-02"]


def hourly(days: int = 3, drop: slice | None = None) -> pd.DataFrame:
    """Hourly readings: each day's temperature is 10 + the hour / 2 (its minimum 10.0 at midnight)."""
    stamps = pd.date_range("2012-01-01", periods=24 * days, freq="h")
    raw = pd.DataFrame(
        {
            "date": stamps.strftime("%Y-%m-%d %H:%M"),
            "value": [str(10 + t.hour / 2 + t.day) for t in stamps],
            "source_row": range(2, len(stamps) + 2),
        }
    )
    return raw.drop(raw.index[drop]) if drop else raw


def test_an_hourly_series_stops_naming_the_setting_that_makes_it_daily() -> None:
    from rnn_pipelines.pipelines.ingestion.nodes import SeriesFrequencyError

    with pytest.raises(SeriesFrequencyError) as error:
        build_temperature_series(hourly(), {"date_format": None})
    message = str(error.value)
    assert "hourly (median step 0 days 01:00:00 over 72 rows)" in message
    assert "temperatures_ingestion.resample" in message and "min" in message


def test_an_hourly_series_is_resampled_to_daily_minimum_dropping_sparse_days() -> None:
    series = build_temperature_series(hourly(drop=slice(30, 46)), {"date_format": None, "resample": "min"})
    # day 2 kept 8 of its 24 readings: fewer than half, dropped (a gap that regularising fills later)
    assert series["date"].dt.strftime("%Y-%m-%d").tolist() == ["2012-01-01", "2012-01-03"]
    assert series["temp_c"].tolist() == [11.0, 13.0]  # each day's midnight reading
    assert series["source_row"].tolist() == [2, 50]  # the day's first row in the file
    mean = build_temperature_series(hourly(days=1), {"date_format": None, "resample": "mean"})
    assert mean["temp_c"].tolist() == [pytest.approx(11 + 11.5 / 2)]


def test_an_irregular_series_names_its_first_irregular_timestamps() -> None:
    from rnn_pipelines.pipelines.ingestion.nodes import SeriesFrequencyError

    raw = hourly()
    raw.loc[5, "date"] = "2012-01-01 05:30"  # row 7
    with pytest.raises(SeriesFrequencyError) as error:
        build_temperature_series(raw, {"date_format": None, "resample": "min"})
    assert "irregularly spaced" in str(error.value) and "2012-01-01 05:30:00 (row 7)" in str(error.value)


def test_a_weekly_series_stops() -> None:
    from rnn_pipelines.pipelines.ingestion.nodes import SeriesFrequencyError

    dates = pd.date_range("1990-01-01", periods=10, freq="7D").strftime("%Y-%m-%d")
    raw = pd.DataFrame({"date": dates, "value": ["1"] * 10, "source_row": range(2, 12)})
    with pytest.raises(SeriesFrequencyError, match="weekly"):
        build_temperature_series(raw, {"date_format": None})


def test_a_fahrenheit_series_is_converted_to_celsius() -> None:
    raw = pd.DataFrame({"date": ["1990-01-01", "1990-01-02"], "value": ["32", "212"], "source_row": [2, 3]})
    series = build_temperature_series(raw, {"date_format": None, "unit": "fahrenheit"})
    assert series["temp_c"].tolist() == [0.0, 100.0]


def test_covariates_are_typed_and_a_misspelt_one_is_named_with_the_closest_column() -> None:
    from rnn_pipelines.pipelines.ingestion.nodes import FeatureColumnError

    raw = pd.DataFrame(
        {
            "date": ["1990-01-01", "1990-01-02"],
            "value": ["10", "11"],
            "source_row": [2, 3],
            "wind": ["3.5", "n/a"],
            "weather": ["sun", "rain"],
        }
    )
    series = build_temperature_series(raw, {"date_format": None, "features": ["wind"]})
    assert list(series.columns) == ["date", "temp_c", "source_row", "wind"]  # weather not asked for: dropped
    assert series["wind"].iloc[0] == 3.5 and pd.isna(series["wind"].iloc[1])  # validation names row 3
    with pytest.raises(FeatureColumnError) as error:
        build_temperature_series(raw, {"date_format": None, "features": ["wnd"]})
    message = str(error.value)
    assert "temperatures_ingestion.features names 'wnd'" in message and "did you mean 'wind'?" in message
