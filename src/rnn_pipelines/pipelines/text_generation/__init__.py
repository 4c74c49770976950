"""Text generation: positional split, char or word tokens, next-token language models, sampling."""

from rnn_pipelines.pipelines.text_generation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
