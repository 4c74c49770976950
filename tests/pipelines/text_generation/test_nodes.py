"""Text-generation nodes: positional split, tokenizer on train only, short parts, variant checks."""

from __future__ import annotations

import pytest

from rnn_pipelines.models.builder import ModelSpecError
from rnn_pipelines.pipelines.text_generation import DOMAIN, nodes
from rnn_pipelines.skeleton import nodes as skeleton

CORPUS = "".join(f"LINE {i}: to be or not to be.\n" for i in range(200))


def test_split_is_positional_without_overlap_and_cut_at_a_line_break() -> None:
    train, validation = nodes.split_corpus(CORPUS, {"validation_fraction": 0.1})
    assert train + validation == CORPUS  # nothing lost, nothing shared, order kept
    assert train.endswith("\n") and validation.startswith("LINE ")
    assert len(validation) == pytest.approx(0.1 * len(CORPUS), abs=len("LINE 199: to be or not to be.\n"))
    first_validation_line = int(validation.split(":")[0].removeprefix("LINE "))
    assert f"LINE {first_validation_line}:" not in train


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1])
def test_split_rejects_a_fraction_outside_zero_one(fraction: float) -> None:
    with pytest.raises(ValueError, match=r"validation_fraction must be in \(0, 1\)"):
        nodes.split_corpus(CORPUS, {"validation_fraction": fraction})


def test_tokenizer_is_fitted_on_the_training_part_only() -> None:
    train, validation = "alas poor yorick\n" * 20, "zounds\n" * 20
    tokenizer = nodes.fit_tokenizer(train, {"level": "word", "max_tokens": 100}, {"sequence_length": 4})
    assert "zounds" not in tokenizer["vocabulary"] and "yorick" in tokenizer["vocabulary"]
    encoded = nodes.encode_corpus(train, validation, tokenizer)
    assert set(encoded["validation"][::2].tolist()) == {0}  # every "zounds" is [UNK]
    assert encoded["train_characters"] == len(train)
    chars = nodes.fit_tokenizer(train, {"level": "char"}, {"sequence_length": 4})
    assert "z" not in chars["vocabulary"] and chars["level"] == "char"


def test_a_part_shorter_than_one_window_names_its_size() -> None:
    tokenizer = nodes.fit_tokenizer(CORPUS, {"level": "char"}, {"sequence_length": 50})
    with pytest.raises(ValueError, match=r"validation part has 20 char tokens, fewer than one window"):
        nodes.encode_corpus(CORPUS, "x" * 20, tokenizer)


def test_a_bad_variant_fails_before_training_naming_variant_and_key() -> None:
    tokenizer = nodes.fit_tokenizer(CORPUS, {"level": "char"}, {"sequence_length": 10})
    good = {"layers": [{"type": "Embedding", "output_dim": 8}, {"type": "GRU", "units": 8}]}
    assert nodes.check_variants({"gru": good}, tokenizer) == {"gru": []}
    with pytest.raises(ModelSpecError, match=r"variant 'bad': layers\[1\] \(LSTM\) is missing \['units'\]"):
        nodes.check_variants(
            {"gru": good, "bad": {"layers": [{"type": "Embedding", "output_dim": 8}, {"type": "LSTM"}]}},
            tokenizer,
        )


def test_a_tiny_variant_trains_on_next_token_targets_and_is_scored(tmp_path) -> None:
    train, validation = nodes.split_corpus(CORPUS, {"validation_fraction": 0.2})
    tokenizer = nodes.fit_tokenizer(train, {"level": "char"}, {"sequence_length": 20})
    encoded = nodes.encode_corpus(train, validation, tokenizer)
    spec = {"layers": [{"type": "Embedding", "output_dim": 8}, {"type": "LSTM", "units": 16}]}
    settings = {
        "epochs": 2,
        "batch_size": 16,
        "learning_rate": 0.01,
        "clipnorm": 5.0,
        "early_stopping_patience": 3,
        "seed": 1,
        "checkpoint_dir": str(tmp_path),
    }
    model, history, summary = nodes.train_language_model(
        encoded, tokenizer, spec, settings, {}, {"stride": 10}, variant="tiny"
    )
    assert model.output_shape == (None, None, len(tokenizer["vocabulary"]) + 1)  # a prediction per position
    assert len(history["val_loss"]) == 2 and summary["stopped_by"] == "epochs"
    metrics = nodes.evaluate_language_model(model, tokenizer, validation, summary, variant="tiny")
    assert metrics["val_nats_per_token"] == pytest.approx(min(history["val_loss"]), rel=1e-4)
    assert metrics["val_perplexity"] == pytest.approx(2.718281828 ** metrics["val_nats_per_token"], rel=1e-6)


def test_selection_takes_the_lowest_validation_loss() -> None:
    rows = {
        name: {
            "variant": name,
            "kind": "rnn",
            "level": "char",
            "val_nats_per_token": loss,
            "val_perplexity": 2.0,
            "val_nats_per_char": loss,
        }
        for name, loss in {"lstm": 1.7, "gru": 1.5, "stacked_lstm": 1.6}.items()
    }
    comparison = skeleton.compare(release=DOMAIN, **rows)
    assert list(comparison["variant"]) == ["gru", "stacked_lstm", "lstm"]
    assert skeleton.select(comparison, release=DOMAIN)["variant"] == "gru"


def test_corpus_validation_requires_windows_of_the_configured_length() -> None:
    from pathlib import Path

    from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

    conf = Path(__file__).resolve().parents[3] / "conf"
    parameters = ProjectConfigLoader(conf_source=str(conf), **CONFIG_LOADER_ARGS)["parameters"]
    windowing = parameters["text_generation"]["windowing"]
    assert parameters["corpus_validation"]["sequence_length"] == windowing["sequence_length"]
