"""Sentiment, declared to the skeleton: IMDB reviews split, tokenized and encoded; RNN variants, the
linear baselines (TF-IDF, NBSVM) and the hybrids compared on validation accuracy; the champion blessed on
test accuracy against the best linear row, and served on raw strings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from kedro.pipeline import Node, Pipeline

from rnn_pipelines.pipelines.sentiment.baselines import (
    evaluate_linear_challenger,
    evaluate_nbsvm,
    train_linear_challenger,
    train_nbsvm,
)
from rnn_pipelines.pipelines.sentiment.export import (
    check_candidate_behaviour,
    export_best_model,
    linear_rivals,
    score_champion,
    verify_export,
)
from rnn_pipelines.pipelines.sentiment.hybrids import blend_members, hybrid_members, record_hybrid_run
from rnn_pipelines.pipelines.sentiment.nodes import (
    check_variants,
    encode_reviews,
    encode_test_reviews,
    evaluate_classifier,
    fit_tokenizer,
    split_reviews,
    train_classifier,
)
from rnn_pipelines.pipelines.sentiment.report import (
    CURVES,
    build_comparison_report,
    confusion_figure,
    describe_run_inputs,
    read_along,
)
from rnn_pipelines.skeleton.nodes import bound
from rnn_pipelines.skeleton.release import TRAINED, Criterion, Release, Rows, Step

SPLITS = ["sentiment.train", "sentiment.validation", "sentiment.test"]


def baseline_pipeline(
    name: str, *, train: Callable, train_inputs: list[str], evaluate: Callable, scores: bool
) -> Pipeline:
    """A linear baseline's training and scoring, namespaced ``sentiment.<name>`` like a variant:
    ``.model``, ``.training_summary``, ``.metrics`` (and ``.scores`` when hybrids can blend it)."""
    row = f"sentiment.{name}"
    return Pipeline(
        [
            Node(
                train,
                inputs=train_inputs,
                outputs=[f"{row}.model", f"{row}.training_summary"],
                name=train.__name__,
                namespace=row,
            ),
            Node(
                evaluate,
                inputs=[f"{row}.model", "sentiment.validation", "sentiment.test", f"{row}.training_summary"],
                outputs=[f"{row}.metrics", f"{row}.scores"] if scores else f"{row}.metrics",
                name=evaluate.__name__,
                namespace=row,
            ),
        ]
    )


def hybrid_pipeline(hybrid: str, members: list[str]) -> Pipeline:
    """One hybrid, namespaced ``sentiment.<hybrid>``: the blend of its members fitted on validation
    (``.blend``), its scorecard (``.metrics``) and its nested MLflow run (``.mlflow_run``)."""
    row = f"sentiment.{hybrid}"
    member_inputs = {f"metrics_{m}": f"sentiment.{m}.metrics" for m in members} | {
        f"scores_{m}": f"sentiment.{m}.scores" for m in members
    }
    return Pipeline(
        [
            Node(
                bound(blend_members, hybrid=hybrid, members=members),
                inputs={
                    "validation": "sentiment.validation",
                    "test": "sentiment.test",
                    "options": "params:sentiment.blending",
                }
                | member_inputs,
                outputs=[f"{row}.blend", f"{row}.metrics"],
                name="blend_members",
                namespace=row,
            ),
            Node(
                bound(record_hybrid_run, hybrid=hybrid),
                inputs=[f"{row}.blend", f"{row}.metrics"],
                outputs=f"{row}.mlflow_run",
                name="record_hybrid_run",
                namespace=row,
            ),
        ]
    )


def rows(variants: list[str], parameters: Mapping[str, Any]) -> Rows:
    """The linear baselines (TF-IDF + LR, NBSVM) and, when there are variants, the hybrids
    (``sentiment.hybrids``: name → ``{blend: [members]}``)."""
    blends = hybrid_members(parameters.get("hybrids")) if variants else {}
    baselines = baseline_pipeline(
        "linear_tfidf",
        train=train_linear_challenger,
        train_inputs=["sentiment.train", "params:sentiment.linear_challenger"],
        evaluate=evaluate_linear_challenger,
        scores=False,
    ) + baseline_pipeline(
        "nbsvm",
        train=train_nbsvm,
        train_inputs=["sentiment.train", "sentiment.validation", "params:sentiment.nbsvm"],
        evaluate=evaluate_nbsvm,
        scores=True,  # hybrids can blend it
    )
    hybrids = sum((hybrid_pipeline(h, m) for h, m in blends.items()), start=Pipeline([]))
    return Rows(
        pipeline=baselines + hybrids,
        metrics={r: f"sentiment.{r}.metrics" for r in [*blends, "linear_tfidf", "nbsvm"]},
        candidates=tuple(blends),
    )


def describe_selection(comparison: pd.DataFrame, best: pd.Series) -> dict[str, Any]:
    """How the selected candidate compares: the best pure RNN and the best linear row, by validation
    accuracy."""
    rnns = comparison[comparison["kind"] == "rnn"]
    linear = comparison[comparison["kind"] == "linear"]
    return {
        "best_rnn": None if rnns.empty else rnns.loc[rnns["val_accuracy"].idxmax(), "variant"],
        "best_linear": None if linear.empty else linear.loc[linear["val_accuracy"].idxmax(), "variant"],
        "beats_linear_challenger": bool(linear.empty or best["val_accuracy"] > linear["val_accuracy"].max()),
    }


def report(variants: list[str], parameters: Mapping[str, Any]) -> tuple[Step, ...]:
    """The comparison report, and the read-along of ``report.read_along.variant`` (seed 000's LSTM by
    default; the first variant when it is not configured)."""
    read_along_variant = ((parameters.get("report") or {}).get("read_along") or {}).get("variant", "lstm")
    if read_along_variant not in variants:
        read_along_variant = variants[0]
    return (
        Step(
            build_comparison_report,
            {
                "comparison": "sentiment.comparison",
                "best": "sentiment.best_variant",
                "history": "{variants}.history",
                "metrics": "{candidates}.metrics",
            },
            [
                "sentiment.report_md",
                "sentiment.report_html",
                "sentiment.report_json",
                "sentiment.learning_curves_plot",
                "sentiment.accuracy_vs_time_plot",
                "sentiment.confusion_matrix_plot",
            ],
            "build_comparison_report",
        ),
        Step(
            read_along,
            [
                f"sentiment.{read_along_variant}.model",
                "sentiment.tokenizer",
                "sentiment.test",
                "params:sentiment.report.read_along",
            ],
            ["sentiment.read_along_plot", "sentiment.read_along"],
            "read_along",
        ),
    )


DOMAIN = Release(
    name="sentiment",
    prepare=(
        Step(split_reviews, ["imdb_reviews", "params:sentiment.split"], SPLITS, "split_reviews"),
        Step(
            fit_tokenizer,
            ["sentiment.train", "params:sentiment.tokenization"],
            "sentiment.tokenizer",
            "fit_tokenizer",
        ),
        Step(
            encode_reviews,
            ["sentiment.train", "sentiment.validation", "sentiment.tokenizer"],
            "sentiment.model_input",
            "encode_reviews",
        ),
        Step(
            encode_test_reviews,
            ["sentiment.test", "sentiment.tokenizer"],
            "sentiment.test_input",
            "encode_test_reviews",
        ),
    ),
    check=Step(
        check_variants,
        [
            "params:sentiment.variants",
            "sentiment.tokenizer",
            "params:sentiment.hybrids",
            "params:sentiment.training",
        ],
        "sentiment.variant_checks",
        "check_variants",
    ),
    train=Step(
        train_classifier,
        [
            "sentiment.model_input",
            "sentiment.tokenizer",
            "params:spec",
            "params:sentiment.training",
            "params:sentiment.head",
            "sentiment.variant_checks",
        ],
        TRAINED,
        "train_classifier",
    ),
    evaluate=Step(
        evaluate_classifier,
        [
            "model",
            "sentiment.model_input",
            "sentiment.test_input",
            "training_summary",
            "params:sentiment.training",
        ],
        ["metrics", "scores"],
        "evaluate_classifier",
    ),
    curves=CURVES,
    run_figures=confusion_figure,
    rows=rows,
    selection=Criterion("val_accuracy", higher_is_better=True, label="validation accuracy"),
    selected_columns=("kind", "val_accuracy", "test_accuracy"),
    describe_selection=describe_selection,
    candidate_kinds=("rnn", "hybrid"),
    report=report,
    provenance=Step(
        describe_run_inputs,
        ["imdb_reviews", "sentiment.test", "sentiment.tokenizer"],
        "sentiment.provenance",
        "describe_run_inputs",
    ),
    export=Step(
        export_best_model,
        ["sentiment.best_variant", "sentiment.selected_model", "sentiment.tokenizer"],
        "sentiment.candidate_model",
        "export_best_model",
    ),
    verify=Step(
        verify_export,
        [
            "sentiment.candidate_model",
            "sentiment.best_variant",
            "sentiment.selected_model",
            "sentiment.tokenizer",
            "sentiment.test",
            "params:sentiment.export",
        ],
        "sentiment.export_check",
        "verify_export",
    ),
    checks=(
        Step(
            check_candidate_behaviour,
            ["sentiment.candidate_model", "sentiment.export_check"],
            "sentiment.behaviour",
            "check_candidate_behaviour",
        ),
    ),
    blessing=Criterion("test_accuracy", higher_is_better=True, label="test accuracy"),
    must_beat=linear_rivals,
    champion_scored_on="test_sha256",
    rescore=score_champion,
    rescore_inputs={"test": "sentiment.test"},
)
