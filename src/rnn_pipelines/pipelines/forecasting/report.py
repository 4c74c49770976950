"""Forecasting report nodes: each variant's nested MLflow run, and the comparison report with plots."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.models import series
from rnn_pipelines.reporting import plots
from rnn_pipelines.reporting.comparison import TRAINING, Column, Comparison
from rnn_pipelines.reporting.provenance import git_commit, table_sha256
from rnn_pipelines.reporting.runs import split_variant_inputs

CURVES = ("loss", "mae")
COLUMNS = [
    Column("variant", "model"),
    *TRAINING,
    Column("val_mae", "val MAE (°C)", "{:.3f}"),
    Column("test_mae", "test MAE (°C)", "{:.3f}"),
    Column("test_rmse", "test RMSE (°C)", "{:.3f}"),
    Column("test_mae_mean", "backtest MAE, mean of folds (°C)", "{:.3f}"),
    Column("test_mae_sd", "fold sd (°C)", "{:.3f}"),
]


def build_forecasting_report(
    comparison: pd.DataFrame,
    best: dict[str, Any],
    windows: dict[str, dict[str, np.ndarray]],
    scaler: dict[str, Any],
    baselines: dict[str, dict[str, Any]],
    **inputs: dict[str, Any],
) -> tuple[str, str, dict[str, Any], Any, Any, Any, Any]:
    """The comparison report: every variant and baseline in °C, the best marked.

    Args:
        **inputs: ``history_<variant>`` and ``metrics_<variant>`` for every RNN variant.

    Returns:
        Markdown, HTML, JSON, and the figures: observed vs forecast over the test period (best variant
        and persistence), the test error histogram, every variant's learning curves, and every row's MAE
        per backtest fold of the test part.
    """
    histories, metrics = split_variant_inputs(inputs)
    rows = [*metrics.values(), *baselines.values()]
    test = windows["test"]
    actual = series.unscale(test["y"][:, 0], scaler)
    chosen = {best["variant"]: metrics[best["variant"]], "persistence": baselines["persistence"]}
    forecasts = {name: np.asarray(m["test_predictions"]) for name, m in chosen.items()}
    gain = best["improvement_over_persistence"]
    report = Comparison.of(
        comparison,
        best,
        title="Temperature forecasting: variant comparison",
        columns=COLUMNS,
        summary=(
            f"Best variant by validation MAE: {best['variant']} (test MAE {best['test_mae']:.3f} °C, "
            f"{abs(gain):.1%} {'better' if gain >= 0 else 'worse'} than persistence at "
            f"{best['persistence_test_mae']:.3f} °C). Errors are in °C over the test period."
        ),
        figures={
            "forecast_vs_actual.png": "Observed vs next-day forecast (test): best variant and persistence",
            "error_histogram.png": "Test errors: best variant vs persistence",
            "learning_curves.png": "Learning curves (dashed: train, solid: validation), scaled units",
            "backtest.png": "MAE per backtest fold of the test part, every variant and baseline",
        },
        notes=[
            "persistence: tomorrow = today; seasonal_naive: same day last year; "
            "linear_window: ridge regression on the window.",
            f"backtest: the test part's windows in {len(rows[0]['test_mae_folds'])} consecutive folds, each "
            "forecast with everything before it as history (the trained models, not refitted); selection "
            "uses validation only.",
        ],
    )
    folds = {row["variant"]: row["test_mae_folds"] for row in rows}
    figures = (
        plots.forecasts_vs_actual(pd.DatetimeIndex(test["target_dates"]), actual, forecasts),
        plots.error_histogram({name: values - actual for name, values in forecasts.items()}),
        plots.learning_curves(histories, CURVES),
        plots.backtest_folds(rows[0]["test_origins"], folds),
    )
    return report.outputs(*figures)


def describe_series_inputs(temperatures: pd.DataFrame, test: pd.DataFrame) -> dict[str, Any]:
    """Provenance for the pipeline's MLflow run: sha256 of the validated series and of the test part,
    the test period, and the git commit."""
    return {
        "data_sha256": table_sha256(temperatures[["date", "temp_c"]]),
        "test_sha256": table_sha256(test[["date", "temp_c"]]),
        "test_period": f"{test['date'].min().date()}..{test['date'].max().date()}",
        **git_commit(),
    }
