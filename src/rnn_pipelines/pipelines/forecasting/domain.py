"""Forecasting, declared to the skeleton: the temperature series split by date, scaled and windowed;
RNN variants and their ensembles compared with persistence, seasonal naive and a ridge on the window by
validation MAE; the champion blessed on test MAE against persistence, and served on raw °C windows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.pipelines.forecasting.ensembles import KIND as ENSEMBLE
from rnn_pipelines.pipelines.forecasting.ensembles import average_forecasts, record_ensemble_run
from rnn_pipelines.pipelines.forecasting.export import (
    champion_record,
    export_best_forecaster,
    persistence_rival,
    score_champion,
    verify_forecaster_export,
)
from rnn_pipelines.pipelines.forecasting.nodes import (
    check_variants,
    describe_selection,
    evaluate_baselines,
    evaluate_forecaster,
    fit_scaler,
    make_windows,
    split_series,
    train_forecaster,
)
from rnn_pipelines.pipelines.forecasting.report import (
    CURVES,
    build_forecasting_report,
    describe_series_inputs,
)
from rnn_pipelines.skeleton.nodes import bound
from rnn_pipelines.skeleton.release import TRAINED, Criterion, Release, Rows, Step

SPLITS = ["forecasting.train", "forecasting.validation", "forecasting.test"]
SERVED_WITH = {"scaler": "forecasting.scaler", "windowing": "params:forecasting.windowing"}


def ensemble_pipeline(ensemble: str, variants: list[str]) -> Pipeline:
    """One ensemble, namespaced ``forecasting.<ensemble>``: the mean of its members' forecasts
    (``.blend``: members and weights), its scorecard (``.metrics``) and its nested MLflow run."""
    member_inputs = {f"metrics_{v}": f"forecasting.{v}.metrics" for v in variants} | {
        f"scores_{v}": f"forecasting.{v}.scores" for v in variants
    }
    shared = {
        "windows": "forecasting.model_input",
        "scaler": "forecasting.scaler",
        "backtest": "params:forecasting.backtest",
        "ensembles": "params:forecasting.ensembles",
    }
    row = f"forecasting.{ensemble}"
    return Pipeline(
        [
            Node(
                bound(average_forecasts, ensemble=ensemble),
                shared | member_inputs,
                [f"{row}.blend", f"{row}.metrics"],
                name="average_forecasts",
                namespace=row,
            ),
            Node(
                bound(record_ensemble_run, ensemble=ensemble),
                [f"{row}.blend", f"{row}.metrics"],
                f"{row}.mlflow_run",
                name="record_ensemble_run",
                namespace=row,
            ),
        ]
    )


def rows(variants: list[str], parameters: Mapping[str, Any]) -> Rows:
    """The baselines, on exactly the variants' targets (one node, ``forecasting.baselines``), and, when
    there are two or more variants, the ensembles (``forecasting.ensembles``: name → ``{top: k}`` or
    ``{members: [...]}``)."""
    node = Node(
        evaluate_baselines,
        [
            "forecasting.model_input",
            *SPLITS,
            "forecasting.scaler",
            "params:forecasting.baselines",
            "params:forecasting.backtest",
        ],
        "forecasting.baselines",
        name="evaluate_baselines",
        namespace="forecasting",
    )
    ensembles = list(parameters.get("ensembles") or {}) if len(variants) >= 2 else []
    pipeline = sum((ensemble_pipeline(e, variants) for e in ensembles), start=Pipeline([node]))
    return Rows(
        pipeline=pipeline,
        metrics={"baselines": "forecasting.baselines"} | {e: f"forecasting.{e}.metrics" for e in ensembles},
        candidates=tuple(ensembles),
    )


def report(variants: list[str], parameters: Mapping[str, Any]) -> tuple[Step, ...]:
    """The comparison report with the forecast and error plots."""
    return (
        Step(
            build_forecasting_report,
            {
                "comparison": "forecasting.comparison",
                "best": "forecasting.best_variant",
                "windows": "forecasting.model_input",
                "scaler": "forecasting.scaler",
                "baselines": "forecasting.baselines",
                "history": "{variants}.history",
                "metrics": "{candidates}.metrics",
            },
            [
                "forecasting.report_md",
                "forecasting.report_html",
                "forecasting.report_json",
                "forecasting.forecast_vs_actual_plot",
                "forecasting.error_histogram_plot",
                "forecasting.learning_curves_plot",
                "forecasting.backtest_plot",
            ],
            "build_forecasting_report",
        ),
    )


DOMAIN = Release(
    name="forecasting",
    prepare=(
        Step(
            split_series,
            ["temperatures", "params:forecasting.split", "params:forecasting.windowing"],
            SPLITS,
            "split_series",
        ),
        Step(
            fit_scaler,
            ["forecasting.train", "params:forecasting.scaling"],
            "forecasting.scaler",
            "fit_scaler",
        ),
        Step(
            make_windows,
            [*SPLITS, "forecasting.scaler", "params:forecasting.windowing"],
            "forecasting.model_input",
            "make_windows",
        ),
    ),
    check=Step(
        check_variants,
        ["params:forecasting.variants", "params:forecasting.training", "params:forecasting.ensembles"],
        "forecasting.variant_checks",
        "check_forecasting_variants",
    ),
    train=Step(
        train_forecaster,
        [
            "forecasting.model_input",
            "params:spec",
            "params:forecasting.training",
            "forecasting.variant_checks",
        ],
        TRAINED,
        "train_forecaster",
    ),
    evaluate=Step(
        evaluate_forecaster,
        [
            "model",
            "forecasting.model_input",
            "forecasting.scaler",
            "training_summary",
            "params:forecasting.backtest",
        ],
        ["metrics", "scores"],
        "evaluate_forecaster",
    ),
    curves=CURVES,
    rows=rows,
    selection=Criterion("val_mae", higher_is_better=False, label="validation MAE (°C)", fmt="{:.3f}"),
    candidate_kinds=("rnn", ENSEMBLE),
    selected_columns=("kind", "val_mae", "test_mae", "test_rmse", "test_mae_mean", "test_mae_sd"),
    describe_selection=describe_selection,
    report=report,
    provenance=Step(
        describe_series_inputs,
        ["temperatures", "forecasting.test"],
        "forecasting.provenance",
        "describe_series_inputs",
    ),
    export=Step(
        export_best_forecaster,
        {"best": "forecasting.best_variant", "selected": "forecasting.selected_model"} | SERVED_WITH,
        "forecasting.candidate_model",
        "export_best_forecaster",
    ),
    verify=Step(
        verify_forecaster_export,
        {
            "model_dir": "forecasting.candidate_model",
            "best": "forecasting.best_variant",
            "selected": "forecasting.selected_model",
            "windows": "forecasting.model_input",
            "options": "params:forecasting.export",
        }
        | SERVED_WITH,
        "forecasting.export_check",
        "verify_forecaster_export",
    ),
    blessing=Criterion("test_mae", higher_is_better=False, label="test MAE (°C)", fmt="{:.3f}"),
    must_beat=persistence_rival,
    champion_scored_on="test_sha256",
    rescore=score_champion,
    rescore_inputs={"test": "forecasting.test"},
    champion_record=champion_record,
    record_inputs={"test": "forecasting.test"} | SERVED_WITH,
)
