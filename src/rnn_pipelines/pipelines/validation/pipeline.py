"""Validation pipeline: a report node and a gate node per data set."""

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.pipelines.validation.nodes import (
    enforce_validation,
    validate_corpus,
    validate_imdb_reviews,
    validate_temperatures,
)

# (validator, data set name = catalog name of the validated output, domain tag)
_DATASETS = [
    (validate_imdb_reviews, "imdb_reviews", "imdb"),
    (validate_corpus, "text_corpus", "corpus"),
    (validate_temperatures, "temperatures", "temperatures"),
]


def create_pipeline(**kwargs) -> Pipeline:
    """For each data set: validate (report saved either way), then enforce (raise on failure).

    Downstream pipelines read ``imdb_reviews``, ``text_corpus`` and ``temperatures``, which only
    exist once their data passed.
    """
    nodes = []
    for validate, name, tag in _DATASETS:
        nodes += [
            Node(
                validate,
                inputs=[f"{name}_unvalidated", f"params:{tag}_validation"],
                outputs=[f"{name}_validation_report", f"{name}_validation_report_html"],
                name=f"validate_{name}",
                tags=[tag],
            ),
            Node(
                enforce_validation,
                inputs=[f"{name}_unvalidated", f"{name}_validation_report"],
                outputs=name,
                name=f"enforce_{name}_validation",
                tags=[tag],
            ),
        ]
    return Pipeline(nodes)
