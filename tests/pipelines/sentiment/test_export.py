"""Blessing: a candidate replaces the champion only when it is better, on the same test set."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from rnn_pipelines.pipelines.sentiment import DOMAIN
from rnn_pipelines.pipelines.sentiment.export import probe_texts
from rnn_pipelines.skeleton import nodes as skeleton

PROVENANCE = {"data_sha256": "d" * 64, "test_sha256": "t" * 64, "git_commit": "abc", "git_dirty": False}
OPTIONS = {"require_beating_linear": True}
TEST = pd.DataFrame({"review_id": ["a", "b"], "text": ["good", "bad"], "label": [1, 0]})


def comparison(rnn: float, linear: float = 0.80, nbsvm: float = 0.70) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"variant": "gru", "kind": "rnn", "val_accuracy": 0.9, "test_accuracy": rnn, "parameters": 10},
            {
                "variant": "linear_tfidf",
                "kind": "linear",
                "val_accuracy": 0.8,
                "test_accuracy": linear,
                "parameters": 5,
            },
            {
                "variant": "nbsvm",
                "kind": "linear",
                "val_accuracy": 0.85,
                "test_accuracy": nbsvm,
                "parameters": 5,
            },
        ]
    )


def bless(
    rnn: float,
    champion: dict,
    *,
    linear: float = 0.80,
    nbsvm: float = 0.70,
    passed: bool = True,
    options=OPTIONS,
    release=DOMAIN,
) -> dict:
    return skeleton.bless(
        "candidate",
        {"passed": passed},
        {"variant": "gru", "kind": "rnn"},
        comparison(rnn, linear, nbsvm),
        champion,
        PROVENANCE,
        options,
        release=release,
        test=TEST,
        run_gru="run-of-gru",
    )


def champion(accuracy: float, test_sha256: str = "t" * 64) -> dict:
    return {"variant": "lstm", "test_accuracy": accuracy, "test_sha256": test_sha256, "path": "champion"}


def test_first_candidate_is_blessed_with_its_provenance() -> None:
    decision = bless(0.88, {})
    assert decision["blessed"] and "no champion yet" in decision["reason"]
    assert decision["record"]["test_accuracy"] == 0.88 and decision["record"]["git_commit"] == "abc"
    assert decision["record"]["metrics"]["val_accuracy"] == 0.9
    assert decision["model_dir"] == "candidate"
    assert decision["record"]["mlflow_variant_run_id"] == "run-of-gru"  # the pipeline's own output


def test_better_candidate_replaces_a_worse_champion() -> None:
    decision = bless(0.88, champion(0.86))
    assert decision["blessed"] and decision["champion_score"] == 0.86


@pytest.mark.parametrize("accuracy", [0.90, 0.88])  # better, and equal: a tie keeps the champion
def test_better_or_equal_champion_is_kept(accuracy: float) -> None:
    decision = bless(0.88, champion(accuracy))
    assert not decision["blessed"]
    assert f"does not beat the champion's {accuracy:.4f}" in decision["reason"]


def test_candidate_must_beat_the_linear_challenger_unless_configured_off() -> None:
    assert not bless(0.85, {}, linear=0.90)["blessed"]
    assert "does not beat the best linear row linear_tfidf's 0.9000" in bless(0.85, {}, linear=0.90)["reason"]
    assert bless(0.85, {}, linear=0.90, options={"require_beating_linear": False})["blessed"]


def test_candidate_must_beat_the_strongest_linear_row() -> None:
    decision = bless(0.88, {}, linear=0.80, nbsvm=0.915)
    assert not decision["blessed"]
    assert "does not beat the best linear row nbsvm's 0.9150" in decision["reason"]
    assert bless(0.92, {}, linear=0.80, nbsvm=0.915)["blessed"]


def test_an_export_that_failed_its_check_is_never_blessed() -> None:
    decision = bless(0.99, {}, passed=False)
    assert not decision["blessed"] and "fresh-process check" in decision["reason"]


def test_a_champion_scored_on_another_test_set_is_rescored_on_this_one() -> None:
    rescored = []
    rescore = replace(DOMAIN, rescore=lambda path, test: rescored.append(path) or 0.95)
    decision = bless(0.90, champion(0.50, test_sha256="other"), release=rescore)
    assert rescored == ["champion"]
    assert not decision["blessed"] and decision["champion_score"] == 0.95


def test_probe_texts_cover_the_edge_cases() -> None:
    texts = probe_texts(TEST, {"test_reviews": 2, "long_review_words": 5000})
    assert texts[:2] == ["good", "bad"] and "" in texts
    assert len(texts[-1].split()) == 5000
