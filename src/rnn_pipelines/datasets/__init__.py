"""Custom Kedro datasets that resolve raw data (configured path → mirror → cache → download)."""

from rnn_pipelines.datasets.corpus import TextCorpusDataset
from rnn_pipelines.datasets.imdb import ImdbReviewsDataset
from rnn_pipelines.datasets.temperatures import DailySeriesDataset

__all__ = ["DailySeriesDataset", "ImdbReviewsDataset", "TextCorpusDataset"]
