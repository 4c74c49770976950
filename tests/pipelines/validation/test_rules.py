"""Every validation rule: bad input stops the run with the right message and writes nothing downstream.

Each case runs the real ingestion → validation slice with file-backed outputs, so "nothing downstream"
means the validated file does not exist, while the JSON/HTML report does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro_datasets.json import JSONDataset
from kedro_datasets.pandas import ParquetDataset
from kedro_datasets.text import TextDataset

from rnn_pipelines.pipelines import ingestion, validation
from rnn_pipelines.pipelines.validation.nodes import DataValidationError
from tests.conftest import run_pipeline

IMDB_RULES = {
    "min_reviews": 4,
    "splits": ["train", "test"],
    "max_label_imbalance": 0.05,
    "max_cross_split_duplicate_fraction": 0.01,
    "max_within_split_duplicate_fraction": 0.02,
}
CORPUS_RULES = {"sequence_length": 10, "min_sequences": 5}
TEMPERATURE_RULES = {"min_days": 30, "min_celsius": -30.0, "max_celsius": 50.0, "max_gap_days": 3}
IMDB_OPTIONS = {"html_line_break": "\n", "csv_test_fraction": 0.5, "seed": 1, "sample_per_group": None}


def raw_reviews() -> pd.DataFrame:
    """24 distinct, balanced reviews in the raw layout ImdbReviewsDataset produces."""
    rows = []
    for split in ("train", "test"):
        for polarity, rating in (("pos", 8), ("neg", 2)):
            rows += [
                (
                    f"{split}/{polarity}/{i}_{rating}",
                    split,
                    polarity,
                    rating,
                    f"{split} {polarity} review number {i}",
                )
                for i in range(6)
            ]
    frame = pd.DataFrame(rows, columns=["review_id", "split", "sentiment", "rating", "text"])
    return frame.astype({"rating": "Int16"})


def raw_series(days: int = 60) -> pd.DataFrame:
    dates = pd.date_range("1990-01-01", periods=days, freq="D").strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "date": list(dates),
            "value": [f"{10 + i % 5}.0" for i in range(days)],
            "source_row": np.arange(2, days + 2),
        }
    )


@dataclass(frozen=True)
class Domain:
    """One data set's slice of the project: tag, catalog names, its output file and its settings."""

    tag: str
    raw_name: str
    out_name: str
    out_file: str
    rules: dict
    options: dict

    def output(self, tmp_path: Path) -> Path:
        return tmp_path / self.out_file

    def run(self, tmp_path: Path, raw) -> None:
        """Run ingestion → validation for this domain with file-backed report and output datasets."""
        out = str(self.output(tmp_path))
        out_dataset = TextDataset(filepath=out) if out.endswith(".txt") else ParquetDataset(filepath=out)
        pipe = (ingestion.create_pipeline() + validation.create_pipeline()).only_nodes_with_tags(self.tag)
        datasets = {
            self.raw_name: raw,
            f"{self.out_name}_validation_report": JSONDataset(filepath=str(tmp_path / "report.json")),
            f"{self.out_name}_validation_report_html": TextDataset(filepath=str(tmp_path / "report.html")),
            self.out_name: out_dataset,
        }
        run_pipeline(
            pipe, datasets, {f"{self.tag}_validation": self.rules, f"{self.tag}_ingestion": self.options}
        )


IMDB = Domain("imdb", "imdb_reviews_raw", "imdb_reviews", "imdb_reviews.parquet", IMDB_RULES, IMDB_OPTIONS)
CORPUS = Domain(
    "corpus", "text_corpus_raw", "text_corpus", "corpus.txt", CORPUS_RULES, {"max_characters": None}
)
TEMPERATURES = Domain(
    "temperatures",
    "temperatures_raw",
    "temperatures",
    "temperatures.parquet",
    TEMPERATURE_RULES,
    {"date_format": None},
)


def assert_stopped(tmp_path: Path, domain: Domain, raw, description: str, offending: str | None) -> None:
    """The run raises naming the rule (and the offending row), writes the report, and no output."""
    with pytest.raises(DataValidationError) as err:
        domain.run(tmp_path, raw)
    message = str(err.value)
    output = domain.output(tmp_path)
    assert description in message
    if offending is not None:
        assert offending in message
    assert not output.exists(), "a failed validation must not write the validated output"
    report = json.loads((tmp_path / "report.json").read_text())
    failed = [e["description"] for e in report["expectations"] if not e["success"]]
    assert report["success"] is False and any(description in d for d in failed)
    assert "FAILED" in (tmp_path / "report.html").read_text()


def set_cell(frame: pd.DataFrame, review_id: str, column: str, value) -> pd.DataFrame:
    out = frame.copy()
    out.loc[out["review_id"] == review_id, column] = value
    return out


IMDB_CASES = {
    "too few reviews": (lambda f: f.head(2), "at least 4 reviews", None),
    "unknown sentiment": (
        lambda f: set_cell(f, "train/pos/1_8", "sentiment", "neutral"),
        "every review has a recognised sentiment",
        "train/pos/1_8",
    ),
    "unbalanced split": (
        lambda f: f[~((f["split"] == "train") & (f["sentiment"] == "neg"))],
        "classes balanced within ±5% in each split",
        "train/pos/0_8",
    ),
    "missing text": (
        lambda f: set_cell(f, "train/neg/3_2", "text", None),
        "every review has text",
        "train/neg/3_2",
    ),
    "whitespace-only review": (
        lambda f: set_cell(f, "test/pos/4_8", "text", " \n\t "),
        "no empty or whitespace-only reviews",
        "test/pos/4_8",
    ),
    "empty review (only a line break)": (
        lambda f: set_cell(f, "test/pos/5_8", "text", "<br />"),
        "no empty or whitespace-only reviews",
        "test/pos/5_8",
    ),
    "bytes not UTF-8": (
        lambda f: set_cell(f, "train/pos/2_8", "text", "caf\ufffd au lait"),
        "review text decodes as UTF-8",
        "train/pos/2_8",
    ),
    "duplicate review id": (
        lambda f: pd.concat([f, f.head(1)], ignore_index=True),
        "no duplicate review ids",
        "train/pos/0_8",
    ),
    "unknown split": (
        lambda f: set_cell(f, "test/neg/0_2", "split", "valid"),
        "split is one of ['train', 'test']",
        "test/neg/0_2",
    ),
    "test split missing": (
        lambda f: f[f["split"] == "train"],
        "both splits are present",
        "missing: ['test']",
    ),
    "review in train and test": (
        lambda f: set_cell(f, "test/pos/0_8", "text", "train pos review number 0"),
        "train and test are disjoint",
        "test/pos/0_8",
    ),
    "review repeated within a split": (
        lambda f: set_cell(f, "train/neg/5_2", "text", "train neg review number 4"),
        "repeat within a split",
        "train/neg/5_2",
    ),
    "rating out of range": (
        lambda f: set_cell(f, "train/pos/3_8", "rating", 11),
        "ratings are 1 to 10 when present",
        "train/pos/3_8",
    ),
    "rating contradicts label": (
        lambda f: set_cell(f, "train/pos/4_8", "rating", 2),
        "rating agrees with the label",
        "train/pos/4_8",
    ),
}


@pytest.mark.parametrize("case", IMDB_CASES, ids=list(IMDB_CASES))
def test_imdb_rule_stops_the_run(tmp_path: Path, case: str) -> None:
    mutate, description, offending = IMDB_CASES[case]
    assert_stopped(tmp_path, IMDB, mutate(raw_reviews()), description, offending)


def test_imdb_good_data_passes_and_is_written(tmp_path: Path) -> None:
    IMDB.run(tmp_path, raw_reviews())
    written = pd.read_parquet(IMDB.output(tmp_path))
    assert len(written) == 24 and list(written.columns) == ["review_id", "text", "label", "rating", "split"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["success"] is True and report["rows"] == 24
    assert "PASSED" in (tmp_path / "report.html").read_text()


CORPUS_CASES = {
    "shorter than the windows need": ("To be, or not to be.\n", "the corpus is long enough", None),
    "bytes not UTF-8": (
        "fine line\n" * 10 + "bad \ufffd byte\n",
        "the corpus decodes as UTF-8",
        "'line': 11",
    ),
    "binary file": ("fine line\n" * 10 + "PK\x03\x04\x00\x00\n", "no control characters", "'line': 11"),
}


@pytest.mark.parametrize("case", CORPUS_CASES, ids=list(CORPUS_CASES))
def test_corpus_rule_stops_the_run(tmp_path: Path, case: str) -> None:
    corpus, description, offending = CORPUS_CASES[case]
    assert_stopped(tmp_path, CORPUS, corpus, description, offending)


def set_row(frame: pd.DataFrame, row: int, column: str, value) -> pd.DataFrame:
    out = frame.copy()
    out.loc[out["source_row"] == row, column] = value
    return out


TEMPERATURE_CASES = {
    "too few days": (lambda f: f.head(10), "at least 30 days", None),
    "missing date": (lambda f: set_row(f, 7, "date", ""), "every row has a valid date", "'source_row': 7"),
    "malformed date": (
        lambda f: set_row(f, 8, "date", "1990-02-30"),
        "every row has a valid date",
        "'source_row': 8",
    ),
    "non-numeric value": (
        lambda f: set_row(f, 9, "value", "?0.2"),
        "temperatures are numeric",
        "'source_row': 9",
    ),
    "implausible value": (
        lambda f: set_row(f, 10, "value", "999"),
        "physically plausible",
        "'source_row': 10",
    ),
    "duplicate date": (lambda f: set_row(f, 11, "date", "1990-01-09"), "dates are unique", "'source_row': 1"),
    "gap too long": (
        lambda f: f[~f["source_row"].between(20, 25)],
        "gaps between consecutive days are at most 3 days",
        "'source_row': 26",
    ),
}


@pytest.mark.parametrize("case", TEMPERATURE_CASES, ids=list(TEMPERATURE_CASES))
def test_temperature_rule_stops_the_run(tmp_path: Path, case: str) -> None:
    mutate, description, offending = TEMPERATURE_CASES[case]
    assert_stopped(tmp_path, TEMPERATURES, mutate(raw_series()), description, offending)


def test_dates_must_strictly_increase() -> None:
    """Ingestion sorts, so the ordering rule guards tables that reach validation some other way."""
    from rnn_pipelines.pipelines.validation.nodes import validate_temperatures

    series = pd.DataFrame(
        {
            "date": pd.to_datetime(["1990-01-02", "1990-01-01", "1990-01-03"]),
            "temp_c": [1.0, 2.0, 3.0],
            "source_row": [2, 3, 4],
        }
    )
    report, _ = validate_temperatures(series, {**TEMPERATURE_RULES, "min_days": 1})
    failed = {e["description"] for e in report["expectations"] if not e["success"]}
    assert "dates are strictly increasing" in failed


def test_labels_must_be_binary() -> None:
    """Ingestion maps unknown sentiments to a missing label; this rule guards tables built elsewhere."""
    from rnn_pipelines.pipelines.ingestion.nodes import build_review_table
    from rnn_pipelines.pipelines.validation.nodes import validate_imdb_reviews

    table = build_review_table(raw_reviews(), IMDB_OPTIONS)
    table.loc[table["review_id"] == "test/neg/2_2", "label"] = 2
    report, _ = validate_imdb_reviews(table, IMDB_RULES)
    failed = {e["description"]: e for e in report["expectations"] if not e["success"]}
    rule = failed["labels are only 0 (negative) or 1 (positive)"]
    assert rule["examples"] == [{"label": 2, "review_id": "test/neg/2_2"}]


def fahrenheit_series(days: int = 60) -> pd.DataFrame:
    """A station in °F: 41-59 °F (5-15 °C), with a frost of 14 °F (-10 °C) on one day."""
    raw = raw_series(days)
    raw["value"] = [f"{41 + (i * 7) % 19}" for i in range(days)]
    return set_row(raw, 12, "value", "14")


def test_fahrenheit_values_stop_the_run_with_the_unit_to_set(tmp_path: Path) -> None:
    raw = fahrenheit_series()
    raw["value"] = [f"{float(v) + 40}" for v in raw["value"]]  # 54-99 °F: many above 50 when read as °C
    assert_stopped(tmp_path, TEMPERATURES, raw, "physically plausible", "hint: the values fit fahrenheit")
    report = json.loads((tmp_path / "report.json").read_text())
    (broken,) = [e for e in report["expectations"] if not e["success"]]
    assert broken["hint"].endswith("set temperatures_ingestion.unit: fahrenheit")
    assert "set temperatures_ingestion.unit: fahrenheit" in (tmp_path / "report.html").read_text()


def test_a_series_in_fahrenheit_or_kelvin_is_converted_and_passes(tmp_path: Path) -> None:
    fahrenheit = Domain(**{**TEMPERATURES.__dict__, "options": {"date_format": None, "unit": "fahrenheit"}})
    fahrenheit.run(tmp_path, fahrenheit_series())
    celsius = pd.read_parquet(fahrenheit.output(tmp_path))["temp_c"]
    assert celsius.min() == pytest.approx(-10.0) and celsius.max() == pytest.approx(15.0)

    raw = raw_series()
    raw["value"] = [f"{float(v) + 273.15}" for v in raw["value"]]
    kelvin = Domain(**{**TEMPERATURES.__dict__, "options": {"date_format": None, "unit": "kelvin"}})
    kelvin.run(tmp_path / "k", raw)
    np.testing.assert_allclose(
        pd.read_parquet(kelvin.output(tmp_path / "k"))["temp_c"], [10 + i % 5 for i in range(60)]
    )


def test_kelvin_values_read_as_celsius_get_the_kelvin_hint() -> None:
    from rnn_pipelines.pipelines.validation.nodes import validate_temperatures

    series = pd.DataFrame(
        {
            "date": pd.date_range("1990-01-01", periods=40, freq="D"),
            "temp_c": np.linspace(265.0, 300.0, 40),
            "source_row": np.arange(2, 42),
        }
    )
    report, _ = validate_temperatures(series, TEMPERATURE_RULES)
    (broken,) = [e for e in report["expectations"] if not e["success"]]
    assert "set temperatures_ingestion.unit: kelvin" in broken["hint"]
    # a sensor's 999 placeholder fits no unit: no hint
    series["temp_c"] = 12.0
    series.loc[3, "temp_c"] = 999.0
    report, _ = validate_temperatures(series, TEMPERATURE_RULES)
    assert all("hint" not in e for e in report["expectations"])


def test_a_covariate_must_be_numeric_in_every_row_and_within_its_range(tmp_path: Path) -> None:
    raw = raw_series()
    raw["wind"] = [f"{3 + i % 4}.0" for i in range(len(raw))]
    rules = {**TEMPERATURE_RULES, "feature_ranges": {"wind": [0, 60]}}
    options = {"date_format": None, "features": ["wind"]}
    station = Domain(**{**TEMPERATURES.__dict__, "rules": rules, "options": options})
    assert_stopped(
        tmp_path, station, set_row(raw, 9, "wind", "calm"), "feature 'wind' is numeric", "'source_row': 9"
    )
    assert_stopped(
        tmp_path / "r", station, set_row(raw, 9, "wind", "400"), "feature 'wind' is plausible (0 to 60)", "9"
    )
    station.run(tmp_path / "ok", raw)
    assert pd.read_parquet(station.output(tmp_path / "ok"))["wind"].between(3, 6).all()


def test_a_failed_validation_names_the_report_where_the_run_writes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a bucket the report is under the data root, not the checkout's ``data/``."""
    from rnn_pipelines import hooks
    from rnn_pipelines.pipelines.validation.nodes import report_location

    # outside a run (an earlier session in this process left its loader behind)
    monkeypatch.delitem(hooks._ACTIVE, "config_loader", raising=False)
    assert report_location("imdb") == "data/08_reporting/validation/imdb.html"
    loader = {"globals": {"data_root": "s3://team-bucket/rnn-pipelines"}}
    monkeypatch.setitem(hooks._ACTIVE, "config_loader", loader)
    assert report_location("imdb") == "s3://team-bucket/rnn-pipelines/08_reporting/validation/imdb.html"
