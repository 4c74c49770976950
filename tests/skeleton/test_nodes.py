"""The skeleton's run summary: what the pipeline's MLflow run shows in the runs table, and the run's last
log lines."""

from __future__ import annotations

import math

import pandas as pd

from rnn_pipelines.pipelines.forecasting import DOMAIN as FORECASTING
from rnn_pipelines.pipelines.sentiment import DOMAIN as SENTIMENT
from rnn_pipelines.skeleton import nodes

SENTIMENT_TABLE = pd.DataFrame(
    [
        {"variant": "bigru_pool_nbsvm", "kind": "hybrid", "val_accuracy": 0.925, "test_accuracy": 0.9188},
        {"variant": "nbsvm", "kind": "linear", "val_accuracy": 0.924, "test_accuracy": 0.9170},
        {"variant": "linear_tfidf", "kind": "linear", "val_accuracy": 0.91, "test_accuracy": 0.9028},
        {"variant": "lstm", "kind": "rnn", "val_accuracy": 0.87, "test_accuracy": float("nan")},
    ]
)
PROVENANCE = {"data_sha256": "a" * 64, "test_sha256": "b" * 64, "rows": 50000, "git_commit": "c0ffee"}


def test_the_summary_names_the_selected_candidate_its_scores_and_the_best_baseline() -> None:
    best = {"variant": "bigru_pool_nbsvm", "kind": "hybrid", "val_accuracy": 0.925, "test_accuracy": 0.9188}
    decision = {
        "blessed": True,
        "reason": "bigru_pool_nbsvm blessed: test accuracy 0.9188",
        "champion_score": 0.91,
    }
    summary = nodes.run_summary(best, SENTIMENT_TABLE, decision, PROVENANCE, release=SENTIMENT)
    assert summary["name"] == "sentiment · bigru_pool_nbsvm · test accuracy 0.9188"
    assert summary["metrics"] == {
        "selected_val_accuracy": 0.925,
        "selected_test_accuracy": 0.9188,
        "best_baseline_test_accuracy": 0.9170,  # the best linear row, not the first
        "champion_before_test_accuracy": 0.91,
        "blessed": 1.0,
    }
    assert summary["tags"] == {
        "selected_variant": "bigru_pool_nbsvm",
        "selected_kind": "hybrid",
        "blessed": "true",
        "blessing_reason": decision["reason"],
        "best_baseline": "nbsvm",
    }
    assert summary["fingerprints"] == {"data_sha256": "a" * 64, "test_sha256": "b" * 64}
    assert "Best baseline: `nbsvm`, test accuracy 0.9170." in summary["description"]


def test_lower_is_better_picks_the_lowest_baseline_and_skips_missing_scores() -> None:
    table = pd.DataFrame(
        [
            {"variant": "gru", "kind": "rnn", "val_mae": 1.69, "test_mae": 1.70, "epochs_run": math.nan},
            {"variant": "persistence", "kind": "baseline", "val_mae": 1.9, "test_mae": 1.85},
            {"variant": "linear_window", "kind": "baseline", "val_mae": 1.75, "test_mae": 1.73},
        ]
    )
    best = {"variant": "gru", "val_mae": 1.69, "test_mae": 1.70, "test_rmse": None}
    decision = {"blessed": False, "reason": "gru kept out: ...", "champion_score": None}
    summary = nodes.run_summary(best, table, decision, PROVENANCE, release=FORECASTING)
    assert (
        summary["metrics"]["best_baseline_test_mae"] == 1.73
        and summary["tags"]["best_baseline"] == "linear_window"
    )
    assert summary["metrics"]["blessed"] == 0.0 and summary["tags"]["blessed"] == "false"
    assert "champion_before_test_mae" not in summary["metrics"]  # no champion yet
    assert "selected_test_rmse" not in summary["metrics"]  # not a column of this table
    assert summary["name"] == "forecasting · gru · test MAE (°C) 1.700"


def test_a_run_ends_with_its_top_rows_by_the_selection_column_and_the_decision() -> None:
    decision = {"blessed": True, "reason": "bigru_pool_nbsvm blessed: test accuracy 0.9188 (no champion yet)"}
    assert nodes.summary_lines(SENTIMENT, SENTIMENT_TABLE, "bigru_pool_nbsvm", decision) == [
        "sentiment: top 3 of 4 rows by validation accuracy: 1. bigru_pool_nbsvm (hybrid) 0.9250; "
        "2. nbsvm (linear) 0.9240; 3. linear_tfidf (linear) 0.9100",
        "sentiment: selected bigru_pool_nbsvm; bigru_pool_nbsvm blessed: test accuracy 0.9188 "
        "(no champion yet); the new champion",
    ]
    table = pd.DataFrame(
        [
            {"variant": "gru", "kind": "rnn", "val_mae": 1.69},
            {"variant": "persistence", "kind": "baseline", "val_mae": 1.9},
            {"variant": "lstm", "kind": "rnn", "val_mae": math.nan},  # not scored: not ranked
        ]
    )
    lines = nodes.summary_lines(FORECASTING, table, "gru", {"blessed": False, "reason": "gru not blessed: …"})
    assert lines == [
        "forecasting: top 2 of 3 rows by validation MAE (°C): 1. gru (rnn) 1.690; "
        "2. persistence (baseline) 1.900",
        "forecasting: selected gru; gru not blessed: …; the champion stays",
    ]
