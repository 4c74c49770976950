"""Text-generation pipeline: split → tokenize → encode → train each variant → score → compare → select
→ sample → report → export → verify → bless."""

from __future__ import annotations

from collections.abc import Iterable

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.pipelines.common import bound, promote_champion, run_tags
from rnn_pipelines.pipelines.text_generation.export import (
    bless_generator,
    export_best_generator,
    verify_generator_export,
)
from rnn_pipelines.pipelines.text_generation.nodes import (
    check_variants,
    compare_language_models,
    encode_corpus,
    evaluate_language_model,
    fit_tokenizer,
    sample_best,
    select_best_language_model,
    split_corpus,
    train_language_model,
)
from rnn_pipelines.pipelines.text_generation.report import (
    CURVES,
    build_text_generation_report,
    describe_corpus_inputs,
)
from rnn_pipelines.reporting.runs import variant_run_record

SHARED_INPUTS = {
    "text_generation_encoded",
    "text_generation_tokenizer",
    "text_generation_validation",
    "text_generation_variant_checks",
}


def variant_pipeline(variant: str) -> Pipeline:
    """The training template for one variant, namespaced ``text_generation.<variant>``."""
    template = Pipeline(
        [
            Node(
                bound(train_language_model, variant=variant),
                inputs=[
                    "text_generation_encoded",
                    "text_generation_tokenizer",
                    "params:spec",
                    "params:text_generation.training",
                    "text_generation_variant_checks",
                    "params:text_generation.windowing",
                ],
                outputs=["model", "history", "training_summary"],
                name="train_language_model",
            ),
            Node(
                bound(evaluate_language_model, variant=variant),
                inputs=[
                    "model",
                    "text_generation_tokenizer",
                    "text_generation_validation",
                    "training_summary",
                ],
                outputs="metrics",
                name="evaluate_language_model",
            ),
            Node(
                bound(variant_run_record, variant=variant, curves=CURVES),
                inputs=["params:spec", "params:text_generation.training", "history", "metrics", "model"],
                outputs="mlflow_run",
                name="record_language_model_run",
            ),
        ]
    )
    return Pipeline(
        template,
        namespace=f"text_generation.{variant}",
        inputs=SHARED_INPUTS,
        parameters={
            "params:spec": f"params:text_generation.variants.{variant}",
            "params:text_generation.training": "params:text_generation.training",
            "params:text_generation.windowing": "params:text_generation.windowing",
        },
    )


def create_pipeline(variants: Iterable[str] = (), **kwargs) -> Pipeline:
    """The text-generation pipeline for the configured ``variants`` (names under
    ``text_generation.variants``)."""
    variants = list(variants)
    prepare = Pipeline(
        [
            Node(
                split_corpus,
                inputs=["text_corpus", "params:text_generation.split"],
                outputs=["text_generation_train", "text_generation_validation"],
                name="split_corpus",
            ),
            Node(
                fit_tokenizer,
                inputs=[
                    "text_generation_train",
                    "params:text_generation.tokenization",
                    "params:text_generation.windowing",
                ],
                outputs="text_generation_tokenizer",
                name="fit_language_tokenizer",
            ),
            Node(
                encode_corpus,
                inputs=["text_generation_train", "text_generation_validation", "text_generation_tokenizer"],
                outputs="text_generation_encoded",
                name="encode_corpus",
            ),
            Node(
                check_variants,
                [
                    "params:text_generation.variants",
                    "text_generation_tokenizer",
                    "params:text_generation.training",
                ],
                "text_generation_variant_checks",
                name="check_language_model_variants",
            ),
        ]
    )
    if not variants:
        return prepare
    models = {f"model_{v}": f"text_generation.{v}.model" for v in variants}
    select = Pipeline(
        [
            Node(
                compare_language_models,
                inputs={v: f"text_generation.{v}.metrics" for v in variants},
                outputs="text_generation_comparison",
                name="compare_language_models",
            ),
            Node(
                select_best_language_model,
                "text_generation_comparison",
                "text_generation_best_variant",
                name="select_best_language_model",
            ),
            Node(
                sample_best,
                inputs={
                    "best": "text_generation_best_variant",
                    "tokenizer": "text_generation_tokenizer",
                    "options": "params:text_generation.sampling",
                }
                | models,
                outputs="text_generation_samples",
                name="sample_best_language_model",
            ),
            Node(
                build_text_generation_report,
                inputs={
                    "comparison": "text_generation_comparison",
                    "best": "text_generation_best_variant",
                    "samples": "text_generation_samples",
                }
                | {f"history_{v}": f"text_generation.{v}.history" for v in variants}
                | {f"metrics_{v}": f"text_generation.{v}.metrics" for v in variants},
                outputs=[
                    "text_generation_report_md",
                    "text_generation_report_html",
                    "text_generation_report_json",
                    "text_generation_learning_curves_plot",
                    "text_generation_loss_vs_time_plot",
                ],
                name="build_text_generation_report",
            ),
            Node(
                describe_corpus_inputs,
                ["text_corpus", "text_generation_validation"],
                "text_generation_provenance",
                name="describe_corpus_inputs",
            ),
            Node(
                run_tags,
                "text_generation_provenance",
                "text_generation_run_tags",
                name="tag_text_generation_run",
            ),
        ]
    )
    export = Pipeline(
        [
            Node(
                export_best_generator,
                inputs={"best": "text_generation_best_variant", "tokenizer": "text_generation_tokenizer"}
                | models,
                outputs="text_generation_candidate_model",
                name="export_best_generator",
            ),
            Node(
                verify_generator_export,
                inputs={
                    "model_dir": "text_generation_candidate_model",
                    "best": "text_generation_best_variant",
                    "tokenizer": "text_generation_tokenizer",
                    "sampling": "params:text_generation.sampling",
                    "options": "params:text_generation.export",
                    "validation": "text_generation_validation",
                }
                | models,
                outputs="text_generation_export_check",
                name="verify_generator_export",
            ),
            Node(
                bless_generator,
                inputs=[
                    "text_generation_candidate_model",
                    "text_generation_export_check",
                    "text_generation_best_variant",
                    "text_generation_comparison",
                    "text_generation_current_champion",
                    "text_corpus",
                    "text_generation_validation",
                    "text_generation_tokenizer",
                ],
                outputs="text_generation_blessing",
                name="bless_generator",
            ),
            Node(
                promote_champion,
                "text_generation_blessing",
                "text_generation_champion",
                name="promote_generator",
            ),
        ]
    )
    trained = prepare + sum((variant_pipeline(v) for v in variants), start=Pipeline([])) + select
    return trained + export
