"""Project pipelines."""

from kedro.pipeline import Pipeline

from rnn_pipelines.pipelines import ingestion, validation

DOMAINS = ("imdb", "corpus", "temperatures")


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    ``ingestion`` reads and validates all three data sets; ``<domain>_data`` (``imdb_data``,
    ``corpus_data``, ``temperatures_data``) does one. Validation is never registered alone: its
    inputs only exist in memory, right after ingestion. Pipelines are composed explicitly rather
    than with ``find_pipelines``, which in Kedro 1.7 only loads the folder named on the command line.
    """
    data = ingestion.create_pipeline() + validation.create_pipeline()
    pipelines = {"ingestion": data}
    for domain in DOMAINS:
        pipelines[f"{domain}_data"] = data.only_nodes_with_tags(domain)
    pipelines["__default__"] = sum(pipelines.values(), start=Pipeline([]))
    return pipelines
