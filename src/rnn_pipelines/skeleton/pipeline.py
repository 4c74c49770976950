"""The wiring, once for every domain: check → train + evaluate each variant → the other rows → compare
→ select → report → export → verify → checks → bless → promote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kedro.pipeline import Node, Pipeline

from rnn_pipelines.reporting.runs import variant_run_record
from rnn_pipelines.skeleton import nodes
from rnn_pipelines.skeleton.nodes import bound
from rnn_pipelines.skeleton.release import Inputs, Outputs, Release, Step

TEMPLATE = {"model", "history", "training_summary", "metrics", "scores", "mlflow_run"}  # a variant's own
EACH = {"{variants}": "variants", "{candidates}": "candidates"}  # inputs with one entry per row


def _named(names: Inputs | Outputs, domain: str, rows: Mapping[str, list[str]]) -> Any:
    """Catalog names as declared; ``{variants}.x`` / ``{candidates}.x`` give one input per row
    (``<key>_<row>``: ``<domain>.<row>.x``)."""
    if names is None:
        return None
    if isinstance(names, str):
        return names
    if isinstance(names, list):
        return [_named(n, domain, rows) for n in names]
    named = {}
    for key, value in names.items():
        each, _, role = value.partition(".")
        if each in EACH:
            named |= {f"{key}_{row}": f"{domain}.{row}.{role}" for row in rows[EACH[each]]}
        else:
            named[key] = _named(value, domain, rows)
    return named


def _node(
    step: Step, domain: str, rows: Mapping[str, list[str]], namespace: str | None = None, **bind: Any
) -> Node:
    func = bound(step.func, **bind) if bind else step.func
    inputs, outputs = _named(step.inputs, domain, rows), _named(step.outputs, domain, rows)
    return Node(func, inputs, outputs, name=step.name, namespace=namespace)


def variant_pipeline(release: Release, variant: str) -> Pipeline:
    """One variant's train → evaluate → nested MLflow run, namespaced ``<domain>.<variant>``: its
    outputs are ``<domain>.<variant>.model``, ``.history``, ``.metrics`` (``.scores``) and ``.mlflow_run``;
    ``params:spec`` is its ``<domain>.variants.<variant>``. The steps' other inputs are the domain's."""
    domain = release.name
    row = f"{domain}.{variant}"
    own = {name: f"{row}.{name}" for name in TEMPLATE} | {
        "params:spec": f"params:{domain}.variants.{variant}"
    }

    def node(func: Any, inputs: Inputs, outputs: Outputs, name: str) -> Node:
        return Node(func, _renamed(inputs, own), _renamed(outputs, own), name=name, namespace=row)

    train, evaluate = release.train, release.evaluate
    record = bound(variant_run_record, variant=variant, curves=release.curves, figures=release.run_figures)
    return Pipeline(
        [
            node(bound(train.func, variant=variant), train.inputs, train.outputs, train.name),
            node(bound(evaluate.func, variant=variant), evaluate.inputs, evaluate.outputs, evaluate.name),
            node(
                record,
                ["params:spec", f"params:{domain}.training", "history", "metrics", "model"],
                "mlflow_run",
                "record_variant_run",
            ),
        ]
    )


def _renamed(names: Inputs | Outputs, mapping: Mapping[str, str]) -> Any:
    if names is None:
        return None
    if isinstance(names, str):
        return mapping.get(names, names)
    if isinstance(names, list):
        return [mapping.get(n, n) for n in names]
    return {key: mapping.get(value, value) for key, value in names.items()}


def create_pipeline(release: Release, variants: Iterable[str] = (), **parameters: Any) -> Pipeline:
    """The domain's pipeline for its configured ``variants``; ``parameters`` is the rest of the domain's
    parameters' section (what ``release.rows`` and ``release.report`` may read). Every node is in the
    domain's namespace (``sentiment.fit_tokenizer``, ``sentiment.lstm.train_classifier``): the rows'
    pipeline namespaces its own nodes.

    Without variants: the preparation and the other rows only (nothing to select or release).
    """
    domain, variants = release.name, list(variants)
    extra = release.rows(variants, parameters)
    rows = {"variants": variants, "candidates": [*variants, *extra.candidates]}
    steps = (*release.prepare, release.check)
    prepare = Pipeline([_node(s, domain, rows, domain) for s in steps]) + extra.pipeline
    if not variants:
        return prepare
    trained = sum((variant_pipeline(release, v) for v in variants), start=prepare)
    best = f"{domain}.best_variant"
    select = Pipeline(
        [
            Node(
                bound(nodes.compare, release=release),
                {v: f"{domain}.{v}.metrics" for v in variants} | dict(extra.metrics),
                f"{domain}.comparison",
                name="compare",
                namespace=domain,
            ),
            Node(
                bound(nodes.select, release=release),
                f"{domain}.comparison",
                best,
                name="select",
                namespace=domain,
            ),
        ]
    )
    steps = (*release.report(variants, parameters), release.provenance, release.export, release.verify)
    release_nodes = Pipeline([_node(s, domain, rows, domain) for s in (*steps, *release.checks)])
    bless = Pipeline(
        [
            Node(
                nodes.run_tags, f"{domain}.provenance", f"{domain}.run_tags", name="tag_run", namespace=domain
            ),
            Node(
                bound(nodes.bless, release=release),
                {
                    "model_dir": f"{domain}.candidate_model",
                    "verification": f"{domain}.export_check",
                    "best": best,
                    "comparison": f"{domain}.comparison",
                    "champion": f"{domain}.current_champion",
                    "provenance": f"{domain}.provenance",
                    "options": f"params:{domain}.export",
                }
                | _named(dict(release.rescore_inputs) | dict(release.record_inputs), domain, rows)
                | {f"{nodes.RUN_PREFIX}{c}": f"{domain}.{c}.mlflow_run" for c in rows["candidates"]}
                # the checks' reports: read only so that the blessing waits for them
                | {f"after_{s.name}": _named(s.outputs, domain, rows) for s in release.checks},
                f"{domain}.blessing",
                name="bless",
                namespace=domain,
            ),
            Node(
                nodes.promote_champion,
                f"{domain}.blessing",
                f"{domain}.champion",
                name="promote_champion",
                namespace=domain,
            ),
            Node(
                bound(nodes.run_summary, release=release),
                [best, f"{domain}.comparison", f"{domain}.blessing", f"{domain}.provenance"],
                f"{domain}.run_summary",
                name="summarize_run",
                namespace=domain,
            ),
        ]
    )
    return trained + select + release_nodes + bless
