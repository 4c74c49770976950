"""Forecast ensembles: the mean of several trained variants' forecasts.

Variants trained from different architectures (and seeds) make partly independent errors; averaging
their forecasts lowers the error of the average below most of its members' (the forecast combination
puzzle: the plain mean is hard to beat by fitted weights on short validation sets). An ensemble is
configuration::

    ensembles:
      ensemble_top3:
        top: 3                       # the 3 RNN variants with the lowest validation MAE
      ensemble_gru_lstm:
        members: [gru, lstm]         # or named variants

An ensemble needs two or more variants: with fewer configured it is left out of the run. It is a
candidate like a variant: scored on the same windows and backtest folds, selected on validation
MAE (the members of ``top`` are chosen on validation too), exported as one SavedModel that averages its
members inside the graph.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from rnn_pipelines.errors import UserError
from rnn_pipelines.pipelines.forecasting.nodes import NO_TRAINING, scorecard
from rnn_pipelines.reporting.runs import blend_run_record

logger = logging.getLogger(__name__)

KIND = "ensemble"


class EnsembleSpecError(UserError, ValueError):
    """An ensemble's spec is malformed; the message names the ensemble and the key."""


def check_ensembles(ensembles: Mapping[str, Any] | None, variants: Mapping[str, Any]) -> dict[str, Any]:
    """Check every ensemble before any training starts, by the parameters' schema
    (``schemas.models.Ensemble`` and the rules of blends).

    Returns:
        Each ensemble's spec: ``{"top": k}`` or ``{"members": [...]}``.

    Raises:
        EnsembleSpecError: Every problem, one line each: not exactly one of ``top`` / ``members``;
            ``top`` not a whole number of at least 2; fewer than two, repeated or unknown members; a name
            shared with a variant.
    """
    from rnn_pipelines.schemas.check import blend_problems
    from rnn_pipelines.schemas.models import Ensemble

    valid, problems = blend_problems(
        Ensemble, ensembles, variants, prefix=("forecasting", "ensembles"), field="members"
    )
    if problems:
        raise EnsembleSpecError("\n".join(problems))
    return {
        name: {"top": spec.top} if spec.top is not None else {"members": list(spec.members or [])}
        for name, spec in valid.items()
    }


def ensemble_members(spec: Mapping[str, Any], metrics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The variants an ensemble averages: its ``members``, or the ``top`` variants by validation MAE
    (ties by name; all of them when there are fewer)."""
    if "members" in spec:
        return list(spec["members"])
    ranked = sorted(metrics, key=lambda v: (float(metrics[v]["val_mae"]), v))
    return ranked[: int(spec["top"])]


def average_forecasts(
    windows: dict[str, dict[str, np.ndarray]],
    scaler: dict[str, Any],
    backtest: dict[str, Any],
    ensembles: Mapping[str, Any],
    *,
    ensemble: str,
    **inputs: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Average the members' forecasts (°C) and score the mean like any variant.

    Args:
        ensembles: ``forecasting.ensembles`` (this one's spec is ``ensembles[ensemble]``).
        **inputs: ``metrics_<variant>`` and ``scores_<variant>`` of every variant: scorecards and the
            validation/test forecasts in °C.

    Returns:
        The blend (``members``, equal ``weights``) and its scorecard (kind ``ensemble``).
    """
    metrics = {k.removeprefix("metrics_"): v for k, v in inputs.items() if k.startswith("metrics_")}
    members = ensemble_members(check_ensembles({ensemble: ensembles[ensemble]}, metrics)[ensemble], metrics)
    predictions = {
        split: np.mean([np.asarray(inputs[f"scores_{m}"][split]) for m in members], axis=0)
        for split in ("validation", "test")
    }
    summary = {  # no training of its own: its members'
        **NO_TRAINING,
        "train_seconds": sum(float(metrics[m]["train_seconds"]) for m in members),
        "parameters": int(sum(int(metrics[m]["parameters"]) for m in members)),
    }
    card = scorecard(ensemble, KIND, windows, predictions, scaler, summary, backtest)
    blend = {"members": members, "weights": [1.0 / len(members)] * len(members)}
    logger.info(
        "%s = mean of %s: val MAE %.3f °C (members %s), test MAE %.3f °C",
        ensemble,
        ", ".join(members),
        card["val_mae"],
        ", ".join(f"{float(metrics[m]['val_mae']):.3f}" for m in members),
        card["test_mae"],
    )
    return blend, card


def record_ensemble_run(blend: dict[str, Any], metrics: dict[str, Any], *, ensemble: str) -> dict[str, Any]:
    """What the ensemble's nested MLflow run holds: its members, scores, blend and scorecard."""
    return blend_run_record(blend, metrics, {"ensemble.members": ",".join(blend["members"])}, row=ensemble)
