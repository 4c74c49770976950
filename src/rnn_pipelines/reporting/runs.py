"""What a model variant's nested MLflow run holds, built the same way for every domain."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rnn_pipelines.models.builder import variant_settings
from rnn_pipelines.reporting import plots


def variant_run_record(
    spec: dict[str, Any],
    training: dict[str, Any],
    history: dict[str, list[float]],
    metrics: dict[str, Any],
    model: Any,
    *,
    variant: str,
    curves: Sequence[str],
    figures: Mapping[str, Any] | Callable[[str, dict[str, Any]], Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The record ``MlflowNestedRunDataset`` logs: spec and training parameters (the variant's own, with
    its overrides), per-epoch ``curves``
    (and their ``val_`` twins), numeric final metrics, the learning-curve plot plus ``figures``, the
    spec and metrics as JSON, and the model. A node as it is (bind ``variant`` and ``curves``).
    ``figures`` may be a function of the variant and its metrics (a domain's own plots)."""
    if callable(figures):
        figures = figures(variant, metrics)
    params = {"variant": variant, "spec.layers": json.dumps(spec["layers"])}
    params |= {f"training.{k}": v for k, v in variant_settings(spec, training).items()}
    scores = {k: v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    keys = [*curves, *(f"val_{c}" for c in curves)]
    return {
        "params": params,
        "tags": {"variant": variant, "kind": metrics["kind"]},
        "history": {k: history[k] for k in keys if k in history},
        "metrics": scores,
        "figures": {"learning_curves": plots.learning_curves({variant: history}, curves), **(figures or {})},
        "artifacts": {"spec.json": spec, "metrics.json": metrics},
        "model": model,
    }


def blend_run_record(
    blend: dict[str, Any], metrics: dict[str, Any], params: Mapping[str, Any], *, row: str
) -> dict[str, Any]:
    """The nested run of a row that combines trained members (a hybrid, an ensemble): ``params`` besides
    its name, its numeric scores, and the blend and scorecard as JSON; tagged with the scorecard's kind."""
    scores = {k: v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    return {
        "params": {"variant": row, **params},
        "tags": {"variant": row, "kind": metrics["kind"]},
        "metrics": scores,
        "artifacts": {"blend.json": blend, "metrics.json": metrics},
    }


def split_variant_inputs(inputs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A report node's ``history_<variant>`` and ``metrics_<variant>`` inputs, keyed by variant."""
    histories = {k.removeprefix("history_"): v for k, v in inputs.items() if k.startswith("history_")}
    metrics = {k.removeprefix("metrics_"): v for k, v in inputs.items() if k.startswith("metrics_")}
    return histories, metrics
