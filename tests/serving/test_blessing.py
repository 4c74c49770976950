"""The shared blessing rule: strictly better than the champion and every baseline, export verified."""

from __future__ import annotations

from rnn_pipelines.serving.blessing import Score, decide

MAE = Score("test MAE (°C)", higher_is_better=False, fmt="{:.3f}")


def bless(candidate: float, champion: float | None, *, verified: bool = True) -> dict:
    return decide(
        variant="gru",
        score=MAE,
        candidate=candidate,
        champion=champion,
        must_beat={"persistence": 2.0},
        verified=verified,
        record={"variant": "gru"},
        model_dir="candidate",
    )


def test_lower_error_than_champion_and_persistence_is_blessed() -> None:
    decision = bless(1.7, 1.8)
    assert (
        decision["blessed"] and decision["reason"] == "gru blessed: test MAE (°C) 1.700 (champion had 1.800)"
    )
    assert decision["model_dir"] == "candidate" and decision["champion_score"] == 1.8


def test_a_champion_with_lower_or_equal_error_is_kept() -> None:
    assert not bless(1.8, 1.7)["blessed"]
    assert "does not beat the champion's 1.800" in bless(1.8, 1.8)["reason"]


def test_the_baseline_must_be_beaten_even_without_a_champion() -> None:
    decision = bless(2.1, None)
    assert not decision["blessed"] and "does not beat persistence's 2.000" in decision["reason"]
    assert bless(1.9, None)["reason"].endswith("(no champion yet)")


def test_an_unverified_export_is_never_blessed() -> None:
    decision = bless(1.0, None, verified=False)
    assert not decision["blessed"] and "fresh-process check" in decision["reason"]
