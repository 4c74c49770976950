"""The blessing rule shared by the domains: a candidate replaces the champion only when it is better."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Score:
    """A metric and its direction, e.g. ``Score("test accuracy", higher_is_better=True)``."""

    name: str
    higher_is_better: bool
    fmt: str = "{:.4f}"

    def beats(self, value: float, other: float) -> bool:
        """Strictly better: a tie keeps the champion."""
        return value > other if self.higher_is_better else value < other

    def show(self, value: float) -> str:
        return self.fmt.format(value)


def decide(
    *,
    variant: str,
    score: Score,
    candidate: float,
    champion: float | None,
    must_beat: Mapping[str, float],
    verified: bool,
    record: dict[str, Any],
    model_dir: str,
) -> dict[str, Any]:
    """Bless ``variant`` when its export passed the fresh-process check, and its ``candidate`` score
    beats the ``champion``'s (when there is one) and every score in ``must_beat`` (baselines).

    Returns:
        ``blessed``, ``reason`` (one sentence, also logged), ``champion_score``, ``record`` (what
        ``champion.json`` will hold) and ``model_dir`` — what ``ChampionDataset.save`` takes.
    """
    reasons = []
    if not verified:
        reasons.append("the export failed its fresh-process check")
    rivals = {"the champion's": champion} | {f"{name}'s": value for name, value in must_beat.items()}
    for rival, value in rivals.items():
        if value is not None and not score.beats(candidate, value):
            reasons.append(f"{score.name} {score.show(candidate)} does not beat {rival} {score.show(value)}")
    if reasons:
        reason = f"{variant} not blessed: " + "; ".join(reasons)
    else:
        versus = "no champion yet" if champion is None else f"champion had {score.show(champion)}"
        reason = f"{variant} blessed: {score.name} {score.show(candidate)} ({versus})"
    logger.info(reason)
    return {
        "blessed": not reasons,
        "reason": reason,
        "champion_score": champion,
        "record": record,
        "model_dir": model_dir,
    }
