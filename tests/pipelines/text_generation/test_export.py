"""The text-generation blessing: a lower validation loss than the champion's on the same text."""

from __future__ import annotations

import pandas as pd
import pytest

from rnn_pipelines.datasets.selected import Selected
from rnn_pipelines.pipelines.text_generation import DOMAIN
from rnn_pipelines.pipelines.text_generation.export import export_best_generator
from rnn_pipelines.pipelines.text_generation.report import describe_corpus_inputs
from rnn_pipelines.reporting.provenance import text_sha256
from rnn_pipelines.serving import generator
from rnn_pipelines.skeleton import nodes as skeleton
from tests.serving.language_models import CORPUS, sharp_model, tokenizer_for

VALIDATION = CORPUS[:900]
VERIFIED = {"passed": True}


def comparison(loss: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "variant": "gru",
                "kind": "rnn",
                "level": "char",
                "val_nats_per_token": loss,
                "val_nats_per_char": loss,
            }
        ]
    )


def bless(candidate: float, champion: dict, verification: dict = VERIFIED) -> dict:
    return skeleton.bless(
        "candidate",
        verification,
        {"variant": "gru"},
        comparison(candidate),
        champion,
        describe_corpus_inputs(CORPUS, VALIDATION),  # the run's provenance, computed once
        {},
        release=DOMAIN,
        tokenizer=tokenizer_for("char"),
        validation=VALIDATION,
    )


def test_first_model_is_blessed_and_its_record_names_the_validation_text() -> None:
    decision = bless(1.5, {})
    assert decision["blessed"], decision["reason"]
    record = decision["record"]
    assert record["validation_sha256"] == text_sha256(VALIDATION) and record["val_nats_per_char"] == 1.5
    size = len(set(CORPUS))
    assert record["tokenization"] == {"level": "char", "vocabulary_size": size, "sequence_length": 12}


@pytest.mark.parametrize(("champion_loss", "blessed"), [(1.6, True), (1.5, False), (1.4, False)])
def test_only_a_lower_validation_loss_replaces_the_champion(champion_loss: float, blessed: bool) -> None:
    champion = {"val_nats_per_char": champion_loss, "validation_sha256": text_sha256(VALIDATION), "path": "x"}
    decision = bless(1.5, champion)
    assert decision["blessed"] is blessed, decision["reason"]


def test_an_unverified_export_is_never_blessed() -> None:
    assert not bless(0.1, {}, {"passed": False})["blessed"]


def test_a_champion_validated_on_another_text_is_rescored_on_this_one(tmp_path) -> None:
    tokenizer = tokenizer_for("char")
    model = sharp_model(tokenizer)
    export_best_generator({"variant": "gru"}, Selected("gru", "rnn", model=model), tokenizer).write_out(
        str(tmp_path / "champion"), verbose=False
    )
    _, score = generator.in_memory(model, tokenizer)
    actual = generator.nats(score, VALIDATION)["nats_per_char"]
    # its recorded loss (0.01, on another text) would win; re-scored here it loses to a slightly better model
    champion = {
        "val_nats_per_char": 0.01,
        "validation_sha256": "another text",
        "path": str(tmp_path / "champion"),
    }
    decision = bless(actual - 0.01, champion)
    assert decision["blessed"] and decision["champion_score"] == pytest.approx(actual)
    assert not bless(actual + 0.01, champion)["blessed"]
