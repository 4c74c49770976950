"""Forecasting pipeline: split → scale → window → train each variant → evaluate vs baselines → compare
→ select → report."""

from __future__ import annotations

from collections.abc import Iterable

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.pipelines.common import bound, promote_champion, run_tags
from rnn_pipelines.pipelines.forecasting.export import (
    bless_forecaster,
    export_best_forecaster,
    verify_forecaster_export,
)
from rnn_pipelines.pipelines.forecasting.nodes import (
    check_variants,
    compare_forecasters,
    evaluate_baselines,
    evaluate_forecaster,
    fit_scaler,
    make_windows,
    select_best_forecaster,
    split_series,
    train_forecaster,
)
from rnn_pipelines.pipelines.forecasting.report import (
    CURVES,
    build_forecasting_report,
    describe_series_inputs,
)
from rnn_pipelines.reporting.runs import variant_run_record

SHARED_INPUTS = {"forecasting_windows", "forecasting_scaler", "forecasting_variant_checks"}


def variant_pipeline(variant: str) -> Pipeline:
    """The training template for one variant, namespaced ``forecasting.<variant>``."""
    template = Pipeline(
        [
            Node(
                bound(train_forecaster, variant=variant),
                inputs=[
                    "forecasting_windows",
                    "params:spec",
                    "params:forecasting.training",
                    "forecasting_variant_checks",
                ],
                outputs=["model", "history", "training_summary"],
                name="train_forecaster",
            ),
            Node(
                bound(evaluate_forecaster, variant=variant),
                inputs=["model", "forecasting_windows", "forecasting_scaler", "training_summary"],
                outputs="metrics",
                name="evaluate_forecaster",
            ),
            Node(
                bound(variant_run_record, variant=variant, curves=CURVES),
                inputs=["params:spec", "params:forecasting.training", "history", "metrics", "model"],
                outputs="mlflow_run",
                name="record_forecaster_run",
            ),
        ]
    )
    return Pipeline(
        template,
        namespace=f"forecasting.{variant}",
        inputs=SHARED_INPUTS,
        parameters={
            "params:spec": f"params:forecasting.variants.{variant}",
            "params:forecasting.training": "params:forecasting.training",
        },
    )


def create_pipeline(variants: Iterable[str] = (), **kwargs) -> Pipeline:
    """The forecasting pipeline for the configured ``variants`` (names under ``forecasting.variants``)."""
    variants = list(variants)
    prepare = Pipeline(
        [
            Node(
                split_series,
                inputs=["temperatures", "params:forecasting.split"],
                outputs=["forecasting_train", "forecasting_validation", "forecasting_test"],
                name="split_series",
            ),
            Node(
                fit_scaler,
                ["forecasting_train", "params:forecasting.scaling"],
                "forecasting_scaler",
                name="fit_scaler",
            ),
            Node(
                make_windows,
                inputs=[
                    "forecasting_train",
                    "forecasting_validation",
                    "forecasting_test",
                    "forecasting_scaler",
                    "params:forecasting.windowing",
                ],
                outputs="forecasting_windows",
                name="make_windows",
            ),
            Node(
                check_variants,
                ["params:forecasting.variants", "params:forecasting.training"],
                "forecasting_variant_checks",
                name="check_forecasting_variants",
            ),
            Node(
                evaluate_baselines,
                inputs=[
                    "forecasting_windows",
                    "forecasting_train",
                    "forecasting_validation",
                    "forecasting_test",
                    "forecasting_scaler",
                    "params:forecasting.baselines",
                ],
                outputs="forecasting_baselines",
                name="evaluate_baselines",
            ),
        ]
    )
    if not variants:
        return prepare
    metrics = {f"metrics_{v}": f"forecasting.{v}.metrics" for v in variants}
    select = Pipeline(
        [
            Node(
                compare_forecasters,
                inputs={"baselines": "forecasting_baselines"}
                | {v: f"forecasting.{v}.metrics" for v in variants},
                outputs="forecasting_comparison",
                name="compare_forecasters",
            ),
            Node(
                select_best_forecaster,
                "forecasting_comparison",
                "forecasting_best_variant",
                name="select_best_forecaster",
            ),
            Node(
                build_forecasting_report,
                inputs={
                    "comparison": "forecasting_comparison",
                    "best": "forecasting_best_variant",
                    "windows": "forecasting_windows",
                    "scaler": "forecasting_scaler",
                    "baselines": "forecasting_baselines",
                }
                | {f"history_{v}": f"forecasting.{v}.history" for v in variants}
                | metrics,
                outputs=[
                    "forecasting_report_md",
                    "forecasting_report_html",
                    "forecasting_report_json",
                    "forecasting_forecast_vs_actual_plot",
                    "forecasting_error_histogram_plot",
                    "forecasting_learning_curves_plot",
                ],
                name="build_forecasting_report",
            ),
            Node(
                describe_series_inputs,
                ["temperatures", "forecasting_test"],
                "forecasting_provenance",
                name="describe_series_inputs",
            ),
            Node(run_tags, "forecasting_provenance", "forecasting_run_tags", name="tag_forecasting_run"),
        ]
    )
    models = {f"model_{v}": f"forecasting.{v}.model" for v in variants}
    export = Pipeline(
        [
            Node(
                export_best_forecaster,
                inputs={
                    "best": "forecasting_best_variant",
                    "scaler": "forecasting_scaler",
                    "windowing": "params:forecasting.windowing",
                }
                | models,
                outputs="forecasting_candidate_model",
                name="export_best_forecaster",
            ),
            Node(
                verify_forecaster_export,
                inputs={
                    "model_dir": "forecasting_candidate_model",
                    "best": "forecasting_best_variant",
                    "windows": "forecasting_windows",
                    "scaler": "forecasting_scaler",
                    "windowing": "params:forecasting.windowing",
                    "options": "params:forecasting.export",
                }
                | models,
                outputs="forecasting_export_check",
                name="verify_forecaster_export",
            ),
            Node(
                bless_forecaster,
                inputs=[
                    "forecasting_candidate_model",
                    "forecasting_export_check",
                    "forecasting_best_variant",
                    "forecasting_comparison",
                    "forecasting_current_champion",
                    "temperatures",
                    "forecasting_test",
                    "forecasting_windows",
                    "forecasting_scaler",
                    "params:forecasting.windowing",
                ],
                outputs="forecasting_blessing",
                name="bless_forecaster",
            ),
            Node(promote_champion, "forecasting_blessing", "forecasting_champion", name="promote_forecaster"),
        ]
    )
    trained = prepare + sum((variant_pipeline(v) for v in variants), start=Pipeline([])) + select
    return trained + export
