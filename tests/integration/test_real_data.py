"""Ingestion and validation on the real data sets from the mirror (skipped with a reason without one)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from rnn_pipelines.datasets import DailySeriesDataset, ImdbReviewsDataset, TextCorpusDataset
from rnn_pipelines.pipelines.ingestion.nodes import build_review_table

pytestmark = pytest.mark.real_data


def test_full_imdb_archive_is_25k_plus_25k_balanced(mirror: Path, tmp_path: Path) -> None:
    raw = ImdbReviewsDataset(mirror=str(mirror), cache_dir=str(tmp_path), download=False).load()
    table = build_review_table(
        raw, {"html_line_break": "\n", "csv_test_fraction": 0.5, "seed": 42, "sample_per_group": None}
    )
    counts = table.groupby(["split", "label"]).size().to_dict()
    assert counts == {("test", 0): 12_500, ("test", 1): 12_500, ("train", 0): 12_500, ("train", 1): 12_500}
    assert table["review_id"].is_unique
    assert not table["text"].str.contains("<br", regex=False).any()


def test_melbourne_has_3650_days(mirror: Path, tmp_path: Path) -> None:
    raw = DailySeriesDataset(source="melbourne", mirror=str(mirror), cache_dir=str(tmp_path)).load()
    assert len(raw) == 3650
    assert (raw["date"].iloc[0], raw["date"].iloc[-1]) == ("1981-01-01", "1990-12-31")


def test_tiny_shakespeare_has_1115394_characters(mirror: Path, tmp_path: Path) -> None:
    corpus = TextCorpusDataset(mirror=str(mirror), cache_dir=str(tmp_path), download=False).load()
    assert len(corpus) == 1_115_394
    assert corpus.startswith("First Citizen:")


def run_session(project: Path, env: str | None = None, pipeline: str = "ingestion", params=None) -> None:
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env, runtime_params=params) as session:
        session.run(pipeline_names=[pipeline])


def test_ingestion_pipeline_on_real_data(mirror: Path, project_copy: Path) -> None:
    run_session(project_copy)
    reviews = pd.read_parquet(project_copy / "data/02_intermediate/imdb_reviews.parquet")
    temperatures = pd.read_parquet(project_copy / "data/02_intermediate/temperatures.parquet")
    corpus = (project_copy / "data/02_intermediate/text_corpus.txt").read_text(encoding="utf-8")
    assert (len(reviews), len(temperatures), len(corpus)) == (50_000, 3650, 1_115_394)
    assert temperatures["date"].is_monotonic_increasing
    for name in ("imdb_reviews", "text_corpus", "temperatures"):
        report = json.loads((project_copy / f"data/08_reporting/validation/{name}.json").read_text())
        assert report["success"], name
        assert (project_copy / f"data/08_reporting/validation/{name}.html").stat().st_size > 1000


def test_smoke_environment_shrinks_the_data(mirror: Path, project_copy: Path) -> None:
    run_session(project_copy, env="smoke")
    reviews = pd.read_parquet(project_copy / "data/02_intermediate/imdb_reviews.parquet")
    temperatures = pd.read_parquet(project_copy / "data/02_intermediate/temperatures.parquet")
    assert reviews.groupby(["split", "label"]).size().tolist() == [250] * 4
    assert len(temperatures) == 730 and temperatures["date"].iloc[0] == pd.Timestamp("2000-01-01")
