"""Ingestion pipeline: raw IMDB reviews, text corpus and temperature series to typed tables."""

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.domains import DOMAINS
from rnn_pipelines.pipelines.ingestion import nodes


def create_pipeline(**kwargs) -> Pipeline:
    """One independent node per domain's data set (``rnn_pipelines.domains``), tagged with the data set's
    tag so each domain's pipeline can take its own."""
    return Pipeline(
        [
            Node(
                getattr(nodes, domain.ingest),
                inputs=[f"{domain.dataset}_raw", f"params:{domain.data}_ingestion"],
                outputs=f"{domain.dataset}_unvalidated",
                name=domain.ingest,
                tags=[domain.data],
            )
            for domain in DOMAINS
        ]
    )
