"""Ingestion pipeline: raw IMDB reviews, text corpus and temperature series to typed tables."""

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.pipelines.ingestion.nodes import (
    build_corpus,
    build_review_table,
    build_temperature_series,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Three independent nodes, tagged by domain so each domain's pipeline can take its own."""
    return Pipeline(
        [
            Node(
                build_review_table,
                inputs=["imdb_reviews_raw", "params:imdb_ingestion"],
                outputs="imdb_reviews_unvalidated",
                name="build_review_table",
                tags=["imdb"],
            ),
            Node(
                build_corpus,
                inputs=["text_corpus_raw", "params:corpus_ingestion"],
                outputs="text_corpus_unvalidated",
                name="build_corpus",
                tags=["corpus"],
            ),
            Node(
                build_temperature_series,
                inputs=["temperatures_raw", "params:temperatures_ingestion"],
                outputs="temperatures_unvalidated",
                name="build_temperature_series",
                tags=["temperatures"],
            ),
        ]
    )
