"""Project pipelines."""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import Any

from kedro.framework.project import settings
from kedro.pipeline import Pipeline

from rnn_pipelines.domains import DOMAINS
from rnn_pipelines.hooks import active_config_loader
from rnn_pipelines.pipelines import ingestion, validation


def _parameters() -> dict[str, Any]:
    """Parameters of the current run, or of the default environment outside a run (``kedro viz``)."""
    loader = active_config_loader()
    if loader is None:
        loader = settings.CONFIG_LOADER_CLASS(
            conf_source=str(Path.cwd() / settings.CONF_SOURCE),
            env=os.environ.get("KEDRO_ENV"),
            **settings.CONFIG_LOADER_ARGS,
        )
    return loader["parameters"]


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines, one set per row of ``rnn_pipelines.domains.DOMAINS``.

    ``ingestion`` reads and validates every data set; ``<data>_data`` (``imdb_data``, ``corpus_data``,
    ``temperatures_data``) does one. ``<domain>`` (``sentiment``, ``forecasting``, ``text_generation``)
    runs its data set's ingestion and validation, then trains and compares every variant under
    ``<domain>.variants`` in the parameters (``rnn_pipelines.pipelines.<domain>.create_pipeline`` gets the
    domain's whole parameters' section); ``<domain>_training`` is the same without ingestion and
    validation (what scheduled retraining runs after its change check, see retraining.py).
    Validation is never registered alone: its inputs only exist in memory, right after ingestion.
    Pipelines are composed explicitly: Kedro 1.7's ``find_pipelines`` only loads the folders named
    on the command line.
    """
    data = ingestion.create_pipeline() + validation.create_pipeline()
    pipelines = {"ingestion": data}
    for domain in DOMAINS:
        pipelines[domain.data_pipeline] = data.only_nodes_with_tags(domain.data)
    parameters = _parameters()  # resolving the parameters costs ~0.3 s: once
    for domain in DOMAINS:
        training = import_module(f"rnn_pipelines.pipelines.{domain.name}").create_pipeline(
            **parameters.get(domain.name, {})
        )
        pipelines[domain.name] = pipelines[domain.data_pipeline] + training
        pipelines[domain.training_pipeline] = training
    pipelines["__default__"] = sum(pipelines.values(), start=Pipeline([]))
    return pipelines
