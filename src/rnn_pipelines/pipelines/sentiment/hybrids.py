"""Hybrid sentiment models: recurrent variants blended with the NBSVM n-gram model.

A recurrent network and an n-gram model make different errors; a blend of their log-odds, weighted by
a logistic regression fitted on the validation split only, beats either (Mesnil et al. 2015). A hybrid
is configuration::

    hybrids:
      blend_bigru_nbsvm:
        blend: [bigru_pool, nbsvm]    # RNN variants and/or NBSVM

Its validation accuracy (what selection reads) is cross-fitted: each validation review is scored by
blend weights fitted on the other folds, so a hybrid is not favoured for having seen the labels it is
scored on. The weights it keeps, and the test scores, come from a fit on the whole validation split.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.errors import UserError
from rnn_pipelines.pipelines.sentiment.scoring import classification_metrics, scorecard, untrained_summary
from rnn_pipelines.reporting.runs import blend_run_record
from rnn_pipelines.schemas.models import HYBRID_BASELINES
from rnn_pipelines.serving.text_classifier import log_odds

logger = logging.getLogger(__name__)


class HybridSpecError(UserError, ValueError):
    """A hybrid's spec is malformed; the message names the hybrid and the key."""


def check_hybrids(hybrids: Mapping[str, Any] | None, variants: Mapping[str, Any]) -> dict[str, list[str]]:
    """Check every hybrid before any training starts, by the parameters' schema (``schemas.models.Hybrid``
    and the rules of blends).

    Returns:
        Each hybrid's members, in order.

    Raises:
        HybridSpecError: Every problem, one line each: not a ``{blend: [...]}`` mapping, fewer than two
            members, a repeated or unknown member (members are RNN variants or ``nbsvm``), or a name
            shared with a variant.
    """
    from rnn_pipelines.schemas.check import blend_problems
    from rnn_pipelines.schemas.models import Hybrid

    valid, problems = blend_problems(
        Hybrid, hybrids, variants, prefix=("sentiment", "hybrids"), field="blend", also=HYBRID_BASELINES
    )
    if problems:
        raise HybridSpecError("\n".join(problems))
    return {name: list(spec.blend) for name, spec in valid.items()}


def member_logits(scores: Mapping[str, Any], split: str) -> np.ndarray:
    """A member's log-odds on ``split`` from its ``scores`` (RNNs give probabilities, NBSVM logits)."""
    if "logits" in scores:
        return np.asarray(scores["logits"][split], dtype=np.float64)
    return log_odds(np.asarray(scores["probabilities"][split], dtype=np.float64))


def blend_members(
    validation: pd.DataFrame,
    test: pd.DataFrame,
    options: Mapping[str, Any],
    *,
    hybrid: str,
    members: list[str],
    **inputs: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the blend of ``members`` on the validation split and score it like any variant.

    Args:
        validation, test: The splits (their labels; rows in the order the members scored them).
        options: ``C`` (the blend's logistic regression), ``folds`` and ``seed`` (cross-fitting).
        **inputs: ``metrics_<member>`` and ``scores_<member>``: each member's scorecard and its
            validation/test scores.

    Returns:
        The blend (``members``, ``weights`` per member, ``bias``) and its scorecard (kind ``hybrid``).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    start = time.perf_counter()
    member_metrics = {m: inputs[f"metrics_{m}"] for m in members}
    features = {
        split: np.stack([member_logits(inputs[f"scores_{m}"], split) for m in members], axis=1)
        for split in ("validation", "test")
    }
    y_validation = validation["label"].to_numpy(dtype=np.int64)
    regression = LogisticRegression(C=options["C"])
    folds = StratifiedKFold(options["folds"], shuffle=True, random_state=options["seed"])
    cross_fitted = cross_val_predict(
        regression, features["validation"], y_validation, cv=folds, method="predict_proba"
    )[:, 1]
    regression.fit(features["validation"], y_validation)
    test_probabilities = regression.predict_proba(features["test"])[:, 1]
    blend = {
        "members": list(members),
        "weights": [float(w) for w in regression.coef_.ravel()],
        "bias": float(regression.intercept_[0]),
    }
    summary = untrained_summary(  # the members' training plus the blend's fit
        sum(float(member_metrics[m]["train_seconds"]) for m in members) + time.perf_counter() - start,
        int(sum(int(member_metrics[m]["parameters"]) for m in members) + len(members) + 1),
    )
    metrics = scorecard(
        hybrid,
        "hybrid",
        classification_metrics(y_validation, cross_fitted),
        classification_metrics(test["label"].to_numpy(dtype=np.int64), test_probabilities),
        summary,
    )
    logger.info(
        "%s = %s: val accuracy %.4f (cross-fitted), test accuracy %.4f",
        hybrid,
        " + ".join(f"{w:.3f}·{m}" for m, w in zip(members, blend["weights"], strict=True)),
        metrics["val_accuracy"],
        metrics["test_accuracy"],
    )
    return blend, metrics


def record_hybrid_run(blend: dict[str, Any], metrics: dict[str, Any], *, hybrid: str) -> dict[str, Any]:
    """What the hybrid's nested MLflow run holds: its members and weights, scores, blend and metrics."""
    params = {
        "blend.members": ",".join(blend["members"]),
        **{f"blend.weight.{m}": w for m, w in zip(blend["members"], blend["weights"], strict=True)},
        "blend.bias": blend["bias"],
    }
    return blend_run_record(blend, metrics, params, row=hybrid)


def hybrid_members(hybrids: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Each hybrid's members as configured, for wiring the pipeline (``check_hybrids`` validates them
    when the run starts, before any training)."""
    members = {}
    for name, spec in (hybrids or {}).items():
        blend = spec.get("blend") if isinstance(spec, Mapping) else None
        members[name] = [str(m) for m in blend] if isinstance(blend, list) else []
    return members
