"""Small node helpers shared by the domain pipelines."""

from __future__ import annotations

from functools import partial, update_wrapper
from typing import Any


def bound(func, **kwargs):
    """``partial`` that keeps the function's name and docstring (Kedro shows them)."""
    return update_wrapper(partial(func, **kwargs), func)


def run_tags(provenance: dict[str, Any]) -> dict[str, Any]:
    """The provenance as tags of the pipeline's MLflow run (searchable in the UI)."""
    return provenance


def promote_champion(decision: dict[str, Any]) -> dict[str, Any]:
    """Hand the blessing decision to the champion store (``ChampionDataset`` swaps a blessed model in)."""
    return decision
