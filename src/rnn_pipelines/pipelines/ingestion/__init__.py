"""Ingestion: raw sources to typed tables."""

from rnn_pipelines.pipelines.ingestion.pipeline import create_pipeline

__all__ = ["create_pipeline"]
