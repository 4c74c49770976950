"""Text generation: positional split, char or word tokens, next-token language models, sampling (see
``domain.py``)."""

from functools import partial

from rnn_pipelines.pipelines.text_generation.domain import DOMAIN
from rnn_pipelines.skeleton.pipeline import create_pipeline as _skeleton

create_pipeline = partial(_skeleton, DOMAIN)

__all__ = ["DOMAIN", "create_pipeline"]
