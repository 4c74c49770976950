"""Ingestion pipeline: raw IMDB reviews, text corpus and temperature series to typed tables."""

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.domains import DOMAINS


def create_pipeline(**kwargs) -> Pipeline:
    """One independent node per domain's data set (``rnn_pipelines.domains``), tagged with the data set's
    tag so each domain's pipeline can take its own."""
    return Pipeline(
        [
            Node(
                domain.function("ingest"),
                inputs=[f"{domain.dataset}_raw", f"params:{domain.data}_ingestion"],
                outputs=f"{domain.dataset}_unvalidated",
                name=domain.ingest.rpartition(":")[2],
                tags=[domain.data],
            )
            for domain in DOMAINS
        ]
    )
