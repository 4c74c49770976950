"""Validation: Great Expectations suites that gate every downstream pipeline."""

from rnn_pipelines.pipelines.validation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
