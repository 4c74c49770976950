"""The table of domains: every place that needs the list of domains reads it from here.

A domain is a training pipeline over one validated data set. Its name is the pipeline's name
(``kedro run --pipelines=<name>``), its parameters' section (``conf/base/parameters_<name>.yml``) and its
folder under ``src/rnn_pipelines/pipelines`` and ``data/*``. The data set has a tag of its own
(``imdb``): the pipeline ``<data>_data`` ingests and validates it, with the parameters
``<data>_ingestion`` and ``<data>_validation``.

Read by the pipeline registry, the ingestion and validation pipelines, ``rnn-pipelines retrain``, the
Airflow DAGs (through the registry's ``<name>_training`` pipelines) and the tests. This module imports
nothing of the project (the nodes are imported when a pipeline is built), so a command that only needs
the names stays quick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class Domain:
    """One row of the table.

    Attributes:
        name: The pipeline and parameters' section, e.g. ``sentiment``.
        data: The data set's tag, e.g. ``imdb``.
        dataset: The validated data set the domain trains on (catalog name), e.g. ``imdb_reviews``;
            ingestion reads ``<dataset>_raw`` and writes ``<dataset>_unvalidated``.
        ingest: The ingestion node: a function of ``pipelines/ingestion/nodes.py``, or
            ``module:function`` (a new domain may keep it in its own folder).
        validate: The validation node: a function of ``pipelines/validation/nodes.py``, or
            ``module:function``.
    """

    name: str
    data: str
    dataset: str
    ingest: str
    validate: str

    def function(self, role: str) -> Callable[..., Any]:
        """The ``ingest`` or ``validate`` node's function."""
        name = getattr(self, role)
        module, _, function = name.rpartition(":")
        default = {"ingest": "ingestion", "validate": "validation"}[role]
        return getattr(import_module(module or f"rnn_pipelines.pipelines.{default}.nodes"), function)

    @property
    def data_pipeline(self) -> str:
        """Ingestion and validation of the domain's data set alone."""
        return f"{self.data}_data"

    @property
    def training_pipeline(self) -> str:
        """The domain's pipeline without ingestion and validation (what scheduled retraining runs)."""
        return f"{self.name}_training"

    @property
    def parameter_keys(self) -> tuple[str, ...]:
        """The top-level parameter keys the domain's run reads (its retraining fingerprint)."""
        return (self.name, f"{self.data}_ingestion", f"{self.data}_validation")


DOMAINS: tuple[Domain, ...] = (
    Domain("sentiment", "imdb", "imdb_reviews", "build_review_table", "validate_imdb_reviews"),
    Domain(
        "forecasting", "temperatures", "temperatures", "build_temperature_series", "validate_temperatures"
    ),
    Domain("text_generation", "corpus", "text_corpus", "build_corpus", "validate_corpus"),
)
BY_NAME: dict[str, Domain] = {domain.name: domain for domain in DOMAINS}
