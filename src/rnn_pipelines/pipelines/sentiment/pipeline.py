"""Sentiment pipeline: split → tokenize → encode → train each variant and the baselines → blend the
hybrids → compare → select → report → export → verify → bless."""

from __future__ import annotations

from collections.abc import Iterable

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.pipelines.common import bound, promote_champion, run_tags
from rnn_pipelines.pipelines.sentiment.baselines import (
    evaluate_linear_challenger,
    evaluate_nbsvm,
    train_linear_challenger,
    train_nbsvm,
)
from rnn_pipelines.pipelines.sentiment.export import (
    bless_candidate,
    check_candidate_behaviour,
    export_best_model,
    verify_export,
)
from rnn_pipelines.pipelines.sentiment.hybrids import blend_members, hybrid_members, record_hybrid_run
from rnn_pipelines.pipelines.sentiment.nodes import (
    check_variants,
    compare_variants,
    encode_reviews,
    encode_test_reviews,
    evaluate_classifier,
    fit_tokenizer,
    select_best_variant,
    split_reviews,
    train_classifier,
)
from rnn_pipelines.pipelines.sentiment.report import (
    build_comparison_report,
    describe_run_inputs,
    read_along,
    record_variant_run,
)

SHARED_INPUTS = {
    "sentiment_model_input",
    "sentiment_test_input",
    "sentiment_tokenizer",
    "sentiment_variant_checks",
}
SHARED_PARAMETERS = {"params:sentiment.training", "params:sentiment.head"}


def variant_pipeline(variant: str) -> Pipeline:
    """The training template for one variant, namespaced ``sentiment.<variant>``.

    Outputs ``sentiment.<variant>.model`` (``.keras``), ``.history``, ``.metrics``, ``.scores`` (its
    validation and test probabilities, for the hybrids) and ``.mlflow_run`` (the variant's nested MLflow
    run).
    """
    template = Pipeline(
        [
            Node(
                bound(train_classifier, variant=variant),
                inputs=[
                    "sentiment_model_input",
                    "sentiment_tokenizer",
                    "params:spec",
                    "params:sentiment.training",
                    "params:sentiment.head",
                    "sentiment_variant_checks",
                ],
                outputs=["model", "history", "training_summary"],
                name="train_classifier",
            ),
            Node(
                bound(evaluate_classifier, variant=variant),
                inputs=[
                    "model",
                    "sentiment_model_input",
                    "sentiment_test_input",
                    "training_summary",
                    "params:sentiment.training",
                ],
                outputs=["metrics", "scores"],
                name="evaluate_classifier",
            ),
            Node(
                bound(record_variant_run, variant=variant),
                inputs=["params:spec", "params:sentiment.training", "history", "metrics", "model"],
                outputs="mlflow_run",
                name="record_variant_run",
            ),
        ]
    )
    return Pipeline(
        template,
        namespace=f"sentiment.{variant}",
        inputs=SHARED_INPUTS,
        parameters={
            "params:spec": f"params:sentiment.variants.{variant}",
            **{p: p for p in SHARED_PARAMETERS},
        },
    )


def baseline_pipeline(name: str, *, train: Node, evaluate: Node) -> Pipeline:
    """A linear baseline's training and scoring, namespaced ``sentiment.<name>`` like a variant:
    ``.model``, ``.metrics`` (and ``.scores`` when hybrids can blend it)."""
    return Pipeline(
        [train, evaluate],
        namespace=f"sentiment.{name}",
        inputs={"sentiment_train", "sentiment_validation", "sentiment_test"},
        parameters={p for node in (train, evaluate) for p in node.inputs if p.startswith("params:")},
    )


def hybrid_pipeline(hybrid: str, members: list[str]) -> Pipeline:
    """One hybrid, namespaced ``sentiment.<hybrid>``: the blend of its members fitted on validation
    (``.blend``), its scorecard (``.metrics``) and its nested MLflow run (``.mlflow_run``)."""
    member_inputs = {f"metrics_{m}": f"sentiment.{m}.metrics" for m in members} | {
        f"scores_{m}": f"sentiment.{m}.scores" for m in members
    }
    template = Pipeline(
        [
            Node(
                bound(blend_members, hybrid=hybrid, members=members),
                inputs={
                    "validation": "sentiment_validation",
                    "test": "sentiment_test",
                    "options": "params:sentiment.blending",
                }
                | member_inputs,
                outputs=["blend", "metrics"],
                name="blend_members",
            ),
            Node(
                bound(record_hybrid_run, hybrid=hybrid),
                inputs=["blend", "metrics"],
                outputs="mlflow_run",
                name="record_hybrid_run",
            ),
        ]
    )
    return Pipeline(
        template,
        namespace=f"sentiment.{hybrid}",
        inputs={"sentiment_validation", "sentiment_test", *member_inputs.values()},
        parameters={"params:sentiment.blending": "params:sentiment.blending"},
    )


def create_pipeline(
    variants: Iterable[str] = (),
    hybrids: dict | None = None,
    report: dict | None = None,
    **kwargs,
) -> Pipeline:
    """The sentiment pipeline for the configured ``variants`` (names under ``sentiment.variants``) and
    ``hybrids`` (``sentiment.hybrids``: name → ``{blend: [members]}``); the registry passes the whole
    ``sentiment`` parameters' section.

    ``report.read_along.variant`` is the variant whose memory is plotted (seed 000's LSTM by default; the
    first variant when it is not configured).
    """
    variants = list(variants)
    blends = hybrid_members(hybrids) if variants else {}
    read_along_variant = ((report or {}).get("read_along") or {}).get("variant", "lstm")
    if variants and read_along_variant not in variants:
        read_along_variant = variants[0]
    prepare = Pipeline(
        [
            Node(
                split_reviews,
                inputs=["imdb_reviews", "params:sentiment.split"],
                outputs=["sentiment_train", "sentiment_validation", "sentiment_test"],
                name="split_reviews",
            ),
            Node(
                fit_tokenizer,
                inputs=["sentiment_train", "params:sentiment.tokenization"],
                outputs="sentiment_tokenizer",
                name="fit_tokenizer",
            ),
            Node(
                encode_reviews,
                inputs=["sentiment_train", "sentiment_validation", "sentiment_tokenizer"],
                outputs="sentiment_model_input",
                name="encode_reviews",
            ),
            Node(
                encode_test_reviews,
                inputs=["sentiment_test", "sentiment_tokenizer"],
                outputs="sentiment_test_input",
                name="encode_test_reviews",
            ),
            Node(
                check_variants,
                inputs=[
                    "params:sentiment.variants",
                    "sentiment_tokenizer",
                    "params:sentiment.hybrids",
                    "params:sentiment.training",
                ],
                outputs="sentiment_variant_checks",
                name="check_variants",
            ),
        ]
    )
    baselines = baseline_pipeline(
        "linear_tfidf",
        train=Node(
            train_linear_challenger,
            inputs=["sentiment_train", "params:sentiment.linear_challenger"],
            outputs=["model", "training_summary"],
            name="train_linear_challenger",
        ),
        evaluate=Node(
            evaluate_linear_challenger,
            inputs=["model", "sentiment_validation", "sentiment_test", "training_summary"],
            outputs="metrics",
            name="evaluate_linear_challenger",
        ),
    ) + baseline_pipeline(
        "nbsvm",
        train=Node(
            train_nbsvm,
            inputs=["sentiment_train", "sentiment_validation", "params:sentiment.nbsvm"],
            outputs=["model", "training_summary"],
            name="train_nbsvm",
        ),
        evaluate=Node(
            evaluate_nbsvm,
            inputs=["model", "sentiment_validation", "sentiment_test", "training_summary"],
            outputs=["metrics", "scores"],
            name="evaluate_nbsvm",
        ),
    )
    rows = [*variants, *blends, "linear_tfidf", "nbsvm"]  # every row of the comparison
    select = Pipeline(
        [
            Node(
                compare_variants,
                inputs={v: f"sentiment.{v}.metrics" for v in rows},
                outputs="sentiment_comparison",
                name="compare_variants",
                namespace="sentiment",  # reads the namespaced sentiment.<variant>.metrics
            ),
            Node(
                select_best_variant,
                inputs="sentiment_comparison",
                outputs="sentiment_best_variant",
                name="select_best_variant",
            ),
        ]
    )
    # what an export may need: every RNN, every blend and NBSVM (the selected candidate uses some)
    models = (
        {f"model_{v}": f"sentiment.{v}.model" for v in variants}
        | {f"blend_{h}": f"sentiment.{h}.blend" for h in blends}
        | {"nbsvm": "sentiment.nbsvm.model"}
    )
    report = Pipeline(
        [
            Node(
                build_comparison_report,
                inputs={"comparison": "sentiment_comparison", "best": "sentiment_best_variant"}
                | {f"history_{v}": f"sentiment.{v}.history" for v in variants}
                | {f"metrics_{v}": f"sentiment.{v}.metrics" for v in [*variants, *blends]},
                outputs=[
                    "sentiment_report_md",
                    "sentiment_report_html",
                    "sentiment_report_json",
                    "sentiment_learning_curves_plot",
                    "sentiment_accuracy_vs_time_plot",
                    "sentiment_confusion_matrix_plot",
                ],
                name="build_comparison_report",
            ),
            Node(
                describe_run_inputs,
                inputs=["imdb_reviews", "sentiment_test", "sentiment_tokenizer"],
                outputs="sentiment_provenance",
                name="describe_run_inputs",
            ),
            Node(run_tags, "sentiment_provenance", "sentiment_run_tags", name="tag_run"),
        ]
        + (
            [
                Node(
                    read_along,
                    inputs=[
                        f"sentiment.{read_along_variant}.model",
                        "sentiment_tokenizer",
                        "sentiment_test",
                        "params:sentiment.report.read_along",
                    ],
                    outputs=["sentiment_read_along_plot", "sentiment_read_along"],
                    name="read_along",
                )
            ]
            if variants
            else []
        )
    )
    export = Pipeline(
        [
            Node(
                export_best_model,
                inputs={"best": "sentiment_best_variant", "tokenizer": "sentiment_tokenizer"} | models,
                outputs="sentiment_candidate_model",
                name="export_best_model",
            ),
            Node(
                verify_export,
                inputs={
                    "model_dir": "sentiment_candidate_model",
                    "best": "sentiment_best_variant",
                    "tokenizer": "sentiment_tokenizer",
                    "test": "sentiment_test",
                    "options": "params:sentiment.export",
                }
                | models,
                outputs="sentiment_export_check",
                name="verify_export",
            ),
            Node(
                check_candidate_behaviour,
                inputs=["sentiment_candidate_model", "sentiment_export_check"],
                outputs="sentiment_behaviour",
                name="check_candidate_behaviour",
            ),
            Node(
                bless_candidate,
                inputs=[
                    "sentiment_candidate_model",
                    "sentiment_export_check",
                    "sentiment_best_variant",
                    "sentiment_comparison",
                    "sentiment_current_champion",
                    "sentiment_provenance",
                    "sentiment_test",
                    "params:sentiment.export",
                ],
                outputs="sentiment_blessing",
                name="bless_candidate",
            ),
            Node(promote_champion, "sentiment_blessing", "sentiment_champion", name="promote_champion"),
        ]
    )
    trained = (
        prepare
        + baselines
        + sum((variant_pipeline(v) for v in variants), start=Pipeline([]))
        + sum((hybrid_pipeline(h, members) for h, members in blends.items()), start=Pipeline([]))
        + select
    )
    return trained + report + export if variants else trained
