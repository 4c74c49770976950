"""The skeleton's nodes, one algorithm each for every domain: compare, select, bless, promote."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from functools import partial, update_wrapper
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.serving import blessing
from rnn_pipelines.skeleton.release import Release

logger = logging.getLogger(__name__)

RUN_PREFIX = "run_"  # the bless node's inputs: each candidate's nested MLflow run id


def bound(func, **kwargs):
    """``partial`` that keeps the function's name and docstring (Kedro shows them)."""
    return update_wrapper(partial(func, **kwargs), func)


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value JSON writes."""
    return value.item() if isinstance(value, np.generic) else value


def _scorecards(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every scorecard among the inputs: one per input, or a dict of them (``{name: scorecard}``)."""
    cards = []
    for value in inputs.values():
        cards.extend([value] if "variant" in value else value.values())
    return cards


def compare(*, release: Release, **scorecards: dict[str, Any]) -> pd.DataFrame:
    """One row per variant, baseline and other candidate (scalar fields only: curves and arrays stay in
    the scorecards), best by the domain's validation criterion first."""
    rows = [
        {k: v for k, v in card.items() if not isinstance(v, list | dict)} for card in _scorecards(scorecards)
    ]
    table = pd.DataFrame(rows)
    ascending = not release.selection.higher_is_better
    return table.sort_values(release.selection.column, ascending=ascending, kind="stable").reset_index(
        drop=True
    )


def select(comparison: pd.DataFrame, *, release: Release) -> dict[str, Any]:
    """The candidate (a row whose ``kind`` may be selected) best by the validation criterion, never by
    test; the first of equals wins. Returns its name, the declared columns and how it compares."""
    candidates = comparison[comparison["kind"].isin(release.candidate_kinds)]
    column = candidates[release.selection.column]
    best = candidates.loc[column.idxmax() if release.selection.higher_is_better else column.idxmin()]
    choice = {
        "variant": best["variant"],
        **{c: _plain(best[c]) for c in release.selected_columns},
        **release.describe_selection(comparison, best),
    }
    logger.info("Best %s candidate: %s", release.name, choice)
    return choice


def bless(
    model_dir: str,
    verification: dict[str, Any],
    best: dict[str, Any],
    comparison: pd.DataFrame,
    champion: dict[str, Any],
    provenance: dict[str, Any],
    options: dict[str, Any],
    *,
    release: Release,
    **inputs: Any,
) -> dict[str, Any]:
    """Decide whether the exported candidate replaces the champion.

    Blessed when the export passed its fresh-process check and its score (``release.blessing``) beats
    the champion's on the same data and every rival of ``release.must_beat``. A champion scored on other
    data (``provenance[release.champion_scored_on]`` differs) is re-scored on this run's first.

    Args:
        inputs: ``release.rescore_inputs``, ``release.record_inputs`` and ``run_<candidate>`` (each
            candidate's nested MLflow run id, as the pipeline wrote it).

    Returns:
        ``blessed``, ``reason``, ``champion_score``, ``record`` (what ``champion.json`` will hold) and
        ``model_dir``: what ``ChampionDataset.save`` takes.
    """
    variant, column = best["variant"], release.blessing.column
    rows = comparison.set_index("variant")
    candidate = float(rows.loc[variant, column])
    record = {
        "variant": variant,
        **({"kind": best["kind"]} if "kind" in best else {}),
        "metrics": json.loads(rows.loc[variant].drop("kind").to_json()),
        column: candidate,
        **provenance,
        **release.champion_record(best, comparison, **{k: inputs[k] for k in release.record_inputs}),
        "mlflow_variant_run_id": inputs.get(f"{RUN_PREFIX}{variant}"),
    }
    champion_score = champion.get(column)
    scored_on = release.champion_scored_on
    if champion and champion.get(scored_on) != provenance[scored_on]:
        champion_score = release.rescore(champion["path"], **{k: inputs[k] for k in release.rescore_inputs})
        logger.info("Champion re-scored on this run's data (%s): %s", scored_on, champion_score)
    score = blessing.Score(
        release.blessing.label or column, release.blessing.higher_is_better, release.blessing.fmt
    )
    return blessing.decide(
        variant=variant,
        score=score,
        candidate=candidate,
        champion=champion_score,
        must_beat=release.must_beat(comparison, options),
        verified=bool(verification.get("passed")),
        record=record,
        model_dir=model_dir,
    )


def run_tags(provenance: dict[str, Any]) -> dict[str, Any]:
    """The provenance as tags of the pipeline's MLflow run (searchable in the UI)."""
    return provenance


def _finite(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool) and np.isfinite(value)


def summary_lines(
    release: Release, comparison: pd.DataFrame, selected: str, decision: dict[str, Any], top: int = 3
) -> list[str]:
    """What a run ends with in its log: the table's top rows by the selection column, the selected
    candidate and the blessing decision with its reason."""
    criterion = release.selection
    column, label = criterion.column, criterion.label or criterion.column
    ranked = comparison.dropna(subset=[column]).sort_values(column, ascending=not criterion.higher_is_better)
    rows = [
        f"{rank}. {row['variant']} ({row.get('kind', '')}) {criterion.fmt.format(float(row[column]))}"
        for rank, (_, row) in enumerate(ranked.head(top).iterrows(), start=1)
    ]
    outcome = "the new champion" if decision["blessed"] else "the champion stays"
    return [
        f"{release.name}: top {len(rows)} of {len(comparison)} rows by {label}: " + "; ".join(rows),
        f"{release.name}: selected {selected}; {decision['reason']}; {outcome}",
    ]


def run_summary(
    best: dict[str, Any],
    comparison: pd.DataFrame,
    decision: dict[str, Any],
    provenance: dict[str, Any],
    *,
    release: Release,
) -> dict[str, Any]:
    """What the pipeline's MLflow run shows in the runs table: the selected candidate's scores, the best
    baseline's, the champion's before this run and the blessing (metrics and tags, so the table sorts by
    score), a name that tells runs apart, a description, and the fingerprints of the data it read.

    Returns:
        ``name``, ``metrics``, ``tags``, ``description`` and ``fingerprints`` (provenance ``*_sha256``):
        what ``MlflowRunSummaryDataset`` logs, and ``console``: the lines the run ends with.
    """
    variant, criterion = best["variant"], release.blessing
    selected = comparison.set_index("variant").loc[variant]
    columns = dict.fromkeys([release.selection.column, criterion.column, *release.selected_columns])
    metrics = {f"selected_{c}": float(selected[c]) for c in columns if c in selected and _finite(selected[c])}
    tags = {
        "selected_variant": variant,
        "selected_kind": str(selected.get("kind", "")),
        "blessed": str(bool(decision["blessed"])).lower(),
        "blessing_reason": str(decision["reason"])[:5000],
    }
    baselines = comparison[~comparison["kind"].isin(release.candidate_kinds)].dropna(
        subset=[criterion.column]
    )
    if not baselines.empty:
        scores = baselines[criterion.column]
        rival = baselines.loc[scores.idxmax() if criterion.higher_is_better else scores.idxmin()]
        metrics[f"best_baseline_{criterion.column}"] = float(rival[criterion.column])
        tags["best_baseline"] = str(rival["variant"])
    if _finite(decision.get("champion_score")):
        metrics[f"champion_before_{criterion.column}"] = float(decision["champion_score"])
    metrics["blessed"] = 1.0 if decision["blessed"] else 0.0
    label = criterion.label or criterion.column
    score = criterion.fmt.format(float(selected[criterion.column]))
    lines = [f"**{release.name}**: selected `{variant}` ({tags['selected_kind']}), {label} {score}."]
    if "best_baseline" in tags:
        rival_score = criterion.fmt.format(metrics[f"best_baseline_{criterion.column}"])
        lines.append(f"Best baseline: `{tags['best_baseline']}`, {label} {rival_score}.")
    lines.append(f"Blessing: {decision['reason']}")
    return {
        "console": summary_lines(release, comparison, variant, decision),
        "name": f"{release.name} · {variant} · {label} {score}",
        "metrics": metrics,
        "tags": tags,
        "description": "\n\n".join(lines),
        "fingerprints": {k: v for k, v in provenance.items() if k.endswith("sha256") and isinstance(v, str)},
    }


def promote_champion(decision: dict[str, Any]) -> dict[str, Any]:
    """Hand the blessing decision to the champion store (``ChampionDataset`` swaps a blessed model in)."""
    return decision
