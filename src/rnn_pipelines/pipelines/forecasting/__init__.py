"""Temperature forecasting: chronological split, scaling, windowing, recurrent forecasters vs baselines
(see ``domain.py``)."""

from functools import partial

from rnn_pipelines.pipelines.forecasting.domain import DOMAIN
from rnn_pipelines.skeleton.pipeline import create_pipeline as _skeleton

create_pipeline = partial(_skeleton, DOMAIN)

__all__ = ["DOMAIN", "create_pipeline"]
