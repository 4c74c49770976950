"""Validation pipeline: a report node and a gate node per data set."""

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.domains import DOMAINS
from rnn_pipelines.pipelines.validation import nodes


def create_pipeline(**kwargs) -> Pipeline:
    """For each domain's data set (``rnn_pipelines.domains``): validate (report saved either way), then
    enforce (raise on failure).

    Downstream pipelines read the validated data sets (``imdb_reviews``, ``text_corpus``,
    ``temperatures``), which only exist once their data passed.
    """
    pipeline = []
    for domain in DOMAINS:
        name, tag = domain.dataset, domain.data
        pipeline += [
            Node(
                domain.function("validate"),
                inputs=[f"{name}_unvalidated", f"params:{tag}_validation"],
                outputs=[f"{name}_validation_report", f"{name}_validation_report_html"],
                name=f"validate_{name}",
                tags=[tag],
            ),
            Node(
                nodes.enforce_validation,
                inputs=[f"{name}_unvalidated", f"{name}_validation_report"],
                outputs=name,
                name=f"enforce_{name}_validation",
                tags=[tag],
            ),
        ]
    return Pipeline(pipeline)
