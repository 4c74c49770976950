"""Sentiment: IMDB reviews to a trained, compared and selected RNN classifier."""

from rnn_pipelines.pipelines.sentiment.pipeline import create_pipeline

__all__ = ["create_pipeline"]
