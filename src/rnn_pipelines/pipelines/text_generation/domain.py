"""Text generation, declared to the skeleton: the corpus split by position and tokenized (characters or
words); language-model variants compared by validation loss per token; the champion blessed on
validation loss per character (fair between levels), and served from a prompt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rnn_pipelines.pipelines.text_generation.export import (
    champion_record,
    export_best_generator,
    score_champion,
    verify_generator_export,
)
from rnn_pipelines.pipelines.text_generation.nodes import (
    check_variants,
    encode_corpus,
    evaluate_language_model,
    fit_tokenizer,
    sample_best,
    split_corpus,
    train_language_model,
)
from rnn_pipelines.pipelines.text_generation.report import (
    CURVES,
    build_text_generation_report,
    describe_corpus_inputs,
)
from rnn_pipelines.skeleton.release import TRAINED, Criterion, Release, Step

SELECTED = {
    "best": "text_generation.best_variant",
    "selected": "text_generation.selected_model",
    "tokenizer": "text_generation.tokenizer",
}


def report(variants: list[str], parameters: Mapping[str, Any]) -> tuple[Step, ...]:
    """Samples of the selected variant at each configured temperature, and the comparison report."""
    return (
        Step(
            sample_best,
            SELECTED | {"options": "params:text_generation.sampling"},
            "text_generation.samples",
            "sample_best_language_model",
        ),
        Step(
            build_text_generation_report,
            {
                "comparison": "text_generation.comparison",
                "best": "text_generation.best_variant",
                "samples": "text_generation.samples",
                "history": "{variants}.history",
                "metrics": "{variants}.metrics",
            },
            [
                "text_generation.report_md",
                "text_generation.report_html",
                "text_generation.report_json",
                "text_generation.learning_curves_plot",
                "text_generation.loss_vs_time_plot",
            ],
            "build_text_generation_report",
        ),
    )


DOMAIN = Release(
    name="text_generation",
    prepare=(
        Step(
            split_corpus,
            ["text_corpus", "params:text_generation.split"],
            ["text_generation.train", "text_generation.validation"],
            "split_corpus",
        ),
        Step(
            fit_tokenizer,
            [
                "text_generation.train",
                "params:text_generation.tokenization",
                "params:text_generation.windowing",
            ],
            "text_generation.tokenizer",
            "fit_language_tokenizer",
        ),
        Step(
            encode_corpus,
            ["text_generation.train", "text_generation.validation", "text_generation.tokenizer"],
            "text_generation.model_input",
            "encode_corpus",
        ),
    ),
    check=Step(
        check_variants,
        ["params:text_generation.variants", "text_generation.tokenizer", "params:text_generation.training"],
        "text_generation.variant_checks",
        "check_language_model_variants",
    ),
    train=Step(
        train_language_model,
        [
            "text_generation.model_input",
            "text_generation.tokenizer",
            "params:spec",
            "params:text_generation.training",
            "text_generation.variant_checks",
            "params:text_generation.windowing",
        ],
        TRAINED,
        "train_language_model",
    ),
    evaluate=Step(
        evaluate_language_model,
        ["model", "text_generation.tokenizer", "text_generation.validation", "training_summary"],
        "metrics",
        "evaluate_language_model",
    ),
    curves=CURVES,
    selection=Criterion("val_nats_per_token", higher_is_better=False, label="validation loss (nats/token)"),
    selected_columns=("level", "val_nats_per_token", "val_perplexity", "val_nats_per_char"),
    report=report,
    provenance=Step(
        describe_corpus_inputs,
        ["text_corpus", "text_generation.validation"],
        "text_generation.provenance",
        "describe_corpus_inputs",
    ),
    export=Step(export_best_generator, SELECTED, "text_generation.candidate_model", "export_best_generator"),
    verify=Step(
        verify_generator_export,
        {"model_dir": "text_generation.candidate_model"}
        | SELECTED
        | {
            "sampling": "params:text_generation.sampling",
            "options": "params:text_generation.export",
            "validation": "text_generation.validation",
        },
        "text_generation.export_check",
        "verify_generator_export",
    ),
    blessing=Criterion("val_nats_per_char", higher_is_better=False, label="validation loss (nats/char)"),
    champion_scored_on="validation_sha256",
    rescore=score_champion,
    rescore_inputs={"validation": "text_generation.validation"},
    champion_record=champion_record,
    record_inputs={"tokenizer": "text_generation.tokenizer", "validation": "text_generation.validation"},
)
