"""Sentiment pipeline: split → tokenize → encode → train each variant → evaluate → compare → select."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.pipelines.sentiment.nodes import (
    check_variants,
    compare_variants,
    encode_reviews,
    encode_test_reviews,
    evaluate_classifier,
    evaluate_linear_challenger,
    fit_tokenizer,
    select_best_variant,
    split_reviews,
    train_classifier,
    train_linear_challenger,
)

SHARED_INPUTS = {
    "sentiment_model_input",
    "sentiment_test_input",
    "sentiment_tokenizer",
    "sentiment_variant_checks",
}
SHARED_PARAMETERS = {"params:sentiment.training", "params:sentiment.head"}


def _bound(func, **kwargs):
    """``partial`` that keeps the function's name and docstring (Kedro shows them)."""
    return update_wrapper(partial(func, **kwargs), func)


def variant_pipeline(variant: str) -> Pipeline:
    """The training template for one variant, namespaced ``sentiment.<variant>``.

    Outputs ``sentiment.<variant>.model`` (``.keras``), ``.history`` and ``.metrics``.
    """
    template = Pipeline(
        [
            Node(
                _bound(train_classifier, variant=variant),
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
                _bound(evaluate_classifier, variant=variant),
                inputs=["model", "sentiment_model_input", "sentiment_test_input", "training_summary"],
                outputs="metrics",
                name="evaluate_classifier",
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


def create_pipeline(variants: Iterable[str] = (), **kwargs) -> Pipeline:
    """The sentiment pipeline for the configured ``variants`` (names under ``sentiment.variants``)."""
    variants = list(variants)
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
                inputs=["params:sentiment.variants", "sentiment_tokenizer"],
                outputs="sentiment_variant_checks",
                name="check_variants",
            ),
            Node(
                train_linear_challenger,
                inputs=["sentiment_train", "params:sentiment.linear_challenger"],
                outputs=["sentiment_linear_model", "sentiment_linear_summary"],
                name="train_linear_challenger",
            ),
            Node(
                evaluate_linear_challenger,
                inputs=[
                    "sentiment_linear_model",
                    "sentiment_validation",
                    "sentiment_test",
                    "sentiment_linear_summary",
                ],
                outputs="sentiment_linear_metrics",
                name="evaluate_linear_challenger",
            ),
        ]
    )
    select = Pipeline(
        [
            Node(
                compare_variants,
                inputs={v: f"sentiment.{v}.metrics" for v in variants}
                | {"linear_tfidf": "sentiment_linear_metrics"},
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
    return prepare + sum((variant_pipeline(v) for v in variants), start=Pipeline([])) + select
