"""Temperature forecasting: chronological split, scaling, windowing, recurrent forecasters vs baselines."""

from rnn_pipelines.pipelines.forecasting.pipeline import create_pipeline

__all__ = ["create_pipeline"]
