"""Project pipelines."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kedro.framework.project import settings
from kedro.pipeline import Pipeline

from rnn_pipelines.hooks import active_config_loader
from rnn_pipelines.pipelines import forecasting, ingestion, sentiment, text_generation, validation

DOMAINS = ("imdb", "corpus", "temperatures")


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
    """Register the project's pipelines.

    ``ingestion`` reads and validates all three data sets; ``<domain>_data`` (``imdb_data``,
    ``corpus_data``, ``temperatures_data``) does one. ``sentiment`` runs IMDB ingestion and validation,
    then trains and compares every variant under ``sentiment.variants`` in the parameters;
    ``forecasting`` does the same for the temperature series and ``forecasting.variants``, and
    ``text_generation`` for the text corpus and ``text_generation.variants``.
    Validation is never registered alone: its inputs only exist in memory, right after ingestion.
    Pipelines are composed explicitly: Kedro 1.7's ``find_pipelines`` only loads the folders named
    on the command line.
    """
    data = ingestion.create_pipeline() + validation.create_pipeline()
    pipelines = {"ingestion": data}
    for domain in DOMAINS:
        pipelines[f"{domain}_data"] = data.only_nodes_with_tags(domain)
    parameters = _parameters()  # resolving the parameters costs ~0.3 s: once
    options = parameters.get("sentiment", {})
    read_along = options.get("report", {}).get("read_along", {}).get("variant", "lstm")
    pipelines["sentiment"] = pipelines["imdb_data"] + sentiment.create_pipeline(
        variants=options.get("variants", {}),
        read_along_variant=read_along,
        hybrids=options.get("hybrids", {}),
    )
    forecasters = parameters.get("forecasting", {}).get("variants", {})
    pipelines["forecasting"] = pipelines["temperatures_data"] + forecasting.create_pipeline(
        variants=forecasters
    )
    generators = parameters.get("text_generation", {}).get("variants", {})
    pipelines["text_generation"] = pipelines["corpus_data"] + text_generation.create_pipeline(
        variants=generators
    )
    for name, data in (
        ("sentiment", "imdb_data"),
        ("forecasting", "temperatures_data"),
        ("text_generation", "corpus_data"),
    ):  # what scheduled retraining runs after ingestion and validation (see retraining.py)
        pipelines[f"{name}_training"] = pipelines[name] - pipelines[data]
    pipelines["__default__"] = sum(pipelines.values(), start=Pipeline([]))
    return pipelines
