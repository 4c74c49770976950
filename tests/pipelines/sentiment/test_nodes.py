"""Sentiment nodes: the split, train-only tokenizer, metrics, selection, and the GPU configuration."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.pipelines.sentiment import DOMAIN
from rnn_pipelines.pipelines.sentiment.nodes import (
    classification_metrics,
    encode_reviews,
    encode_test_reviews,
    fit_tokenizer,
    split_reviews,
)
from rnn_pipelines.skeleton import nodes as skeleton

compare_variants = partial(skeleton.compare, release=DOMAIN)  # the skeleton's nodes, as sentiment declares
select_best_variant = partial(skeleton.select, release=DOMAIN)

TOKENIZATION = {
    "max_tokens": 50,
    "sequence_length": 6,
    "standardize": "lower_and_strip_punctuation",
    "truncate": "post",
}


def reviews(n_per_group: int = 20) -> pd.DataFrame:
    rows = []
    for split in ("train", "test"):
        for label, word in ((1, "great"), (0, "awful")):
            rows += [
                (f"{split}/{label}/{i}", f"a {word} {split}word film number {i}", label, 8, split)
                for i in range(n_per_group)
            ]
    return pd.DataFrame(rows, columns=["review_id", "text", "label", "rating", "split"])


def test_split_carves_validation_from_train_only_stratified_and_seeded() -> None:
    table = reviews()
    train, validation, test = split_reviews(table, {"validation_size": 0.25, "seed": 3})
    assert (len(train), len(validation), len(test)) == (30, 10, 40)
    assert validation["label"].mean() == 0.5 and train["label"].mean() == 0.5
    assert train["review_id"].str.startswith("train/").all()
    assert validation["review_id"].str.startswith("train/").all()
    assert test["review_id"].str.startswith("test/").all()
    assert not set(train["review_id"]) & set(validation["review_id"])
    again = split_reviews(table, {"validation_size": 0.25, "seed": 3})[1]
    pd.testing.assert_frame_equal(validation, again)


def test_tokenizer_is_fitted_on_train_only_and_test_words_are_oov() -> None:
    train, _, test = split_reviews(reviews(), {"validation_size": 0.25, "seed": 3})
    tokenizer = fit_tokenizer(train, TOKENIZATION)
    assert "trainword" in tokenizer["vocabulary"]
    assert "testword" not in tokenizer["vocabulary"]  # a word seen only in test
    encoded = encode_test_reviews(test, tokenizer)
    position = 2  # "a <sentiment> testword ..."
    assert (encoded["x"][:, position] == 1).all()  # [UNK]
    assert encoded["x"].shape == (40, 6) and encoded["y"].tolist() == test["label"].tolist()


def test_encoded_model_input_holds_train_and_validation_only() -> None:
    train, validation, _ = split_reviews(reviews(), {"validation_size": 0.25, "seed": 3})
    encoded = encode_reviews(train, validation, fit_tokenizer(train, TOKENIZATION))
    assert set(encoded) == {"train", "validation"}
    assert encoded["train"]["x"].shape == (30, 6) and encoded["validation"]["x"].dtype == np.int32


def test_classification_metrics_on_known_predictions() -> None:
    labels = np.array([0, 0, 1, 1])
    metrics = classification_metrics(labels, np.array([0.1, 0.6, 0.4, 0.9]))
    assert metrics["accuracy"] == 0.5
    assert metrics["roc_auc"] == 0.75
    assert metrics["f1"] == 0.5
    assert metrics["confusion_matrix"] == [[1, 1], [1, 1]]


def metrics(variant: str, kind: str, val: float, test: float) -> dict:
    return {
        "variant": variant,
        "kind": kind,
        "val_accuracy": val,
        "test_accuracy": test,
        "test_roc_auc": 0.9,
        "test_f1": 0.9,
        "test_confusion_matrix": [[1, 0], [0, 1]],
        "epochs_run": 1,
        "best_epoch": 1,
        "train_seconds": 1.0,
        "parameters": 10,
    }


def test_selection_uses_validation_never_test() -> None:
    table = compare_variants(
        lstm=metrics("lstm", "rnn", val=0.86, test=0.80),
        gru=metrics("gru", "rnn", val=0.84, test=0.95),  # best on test, but test must not decide
        linear_tfidf=metrics("linear_tfidf", "linear", val=0.88, test=0.88),
    )
    assert table["variant"].tolist() == ["linear_tfidf", "lstm", "gru"]
    assert "test_confusion_matrix" not in table.columns
    best = select_best_variant(table)
    assert best["variant"] == "lstm"  # the linear challenger competes but is not an RNN variant
    assert best["beats_linear_challenger"] is False


def test_selection_does_not_depend_on_row_order() -> None:
    table = compare_variants(
        lstm=metrics("lstm", "rnn", val=0.86, test=0.80), gru=metrics("gru", "rnn", val=0.84, test=0.95)
    )
    assert select_best_variant(table.iloc[::-1].reset_index(drop=True))["variant"] == "lstm"


def test_selection_reports_beating_the_challenger() -> None:
    table = compare_variants(
        lstm=metrics("lstm", "rnn", 0.90, 0.9), linear=metrics("linear", "linear", 0.88, 0.88)
    )
    assert select_best_variant(table)["beats_linear_challenger"] is True


@pytest.mark.parametrize("bad", ["middle", "both"])
def test_bad_truncate_parameter_fails_before_encoding(bad: str) -> None:
    train, validation, _ = split_reviews(reviews(), {"validation_size": 0.25, "seed": 3})
    tokenizer = {**fit_tokenizer(train, TOKENIZATION), "truncate": bad}
    with pytest.raises(ValueError, match=f"got '{bad}'"):
        encode_reviews(train, validation, tokenizer)


CONF = Path(__file__).resolve().parents[3] / "conf"


def gpu_parameters() -> dict:
    """The sentiment parameters of ``--env=gpu``, merged over conf/base as a run merges them."""
    from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

    loader = ProjectConfigLoader(conf_source=str(CONF), env="gpu", **CONFIG_LOADER_ARGS)
    return loader["parameters"]["sentiment"]


def test_gpu_environment_adds_the_wide_variant_to_the_base_ones() -> None:
    import yaml

    from rnn_pipelines.models.builder import check_variants

    base = yaml.safe_load((CONF / "base" / "parameters_sentiment.yml").read_text())["sentiment"]
    base["training"]["checkpoint_dir"] = base["training"]["checkpoint_dir"].replace(
        "${globals:data_root}", str(CONF.parent / "data")
    )  # the data root, resolved as a run resolves it
    gpu = gpu_parameters()
    assert list(gpu["variants"]) == [*base["variants"], "bilstm_wide"]
    assert gpu["training"] == {**base["training"], "mixed_precision": True}
    assert gpu["tokenization"] == base["tokenization"]  # its table compares with a CPU run's
    assert check_variants(gpu["variants"], {"Embedding": {"input_dim": 100}}) == {
        name: [] for name in gpu["variants"]
    }  # every variant valid and cuDNN-eligible


@pytest.fixture
def pretend_gpu(monkeypatch):
    """Makes training see one GPU, so ``mixed_precision: true`` takes effect (float16 runs on the CPU)."""
    import keras
    import tensorflow as tf

    real = tf.config.list_physical_devices
    monkeypatch.setattr(
        tf.config, "list_physical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else real(kind)
    )
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_mixed_precision_trains_every_gpu_variant_with_float32_probabilities(pretend_gpu, tmp_path) -> None:
    from rnn_pipelines.models.builder import shrink_variants
    from rnn_pipelines.pipelines.sentiment.nodes import evaluate_classifier, train_classifier

    gpu = gpu_parameters()
    train, validation, test = split_reviews(reviews(8), {"validation_size": 0.25, "seed": 3})
    tokenizer = fit_tokenizer(train, TOKENIZATION)
    model_input = encode_reviews(train, validation, tokenizer)
    settings = {**gpu["training"], "epochs": 1, "batch_size": 4, "checkpoint_dir": str(tmp_path)}
    checks = {name: [] for name in gpu["variants"]}
    # every layer type of every GPU variant, capped as a smoke run caps them (the policy is what is tested)
    for name, spec in shrink_variants(gpu["variants"], {"units": 8, "output_dim": 16}).items():
        model, curves, summary = train_classifier(
            model_input, tokenizer, spec, settings, gpu["head"], checks, variant=name
        )
        assert model.dtype_policy.name == "mixed_float16", name
        assert model.layers[-2].compute_dtype == "float16", name  # the variant's last layer: float16
        assert model.output.dtype == "float32", name  # the sigmoid head stays float32
        assert np.isfinite(curves["loss"]).all() and np.isfinite(curves["val_loss"]).all(), name
        metrics, _ = evaluate_classifier(
            model, model_input, encode_test_reviews(test, tokenizer), summary, settings, variant=name
        )
        assert 0.0 <= metrics["test_accuracy"] <= 1.0, name


def test_a_variants_training_overrides_are_what_it_trains_with(tmp_path) -> None:
    from rnn_pipelines.pipelines.sentiment.nodes import train_classifier

    params = gpu_parameters()  # conf/base's training settings and head (float16 only on a GPU)
    params["training"]["mixed_precision"] = False
    train, validation, _ = split_reviews(reviews(8), {"validation_size": 0.25, "seed": 3})
    tokenizer = fit_tokenizer(train, TOKENIZATION)
    model_input = encode_reviews(train, validation, tokenizer)
    settings = {**params["training"], "epochs": 3, "batch_size": 4, "checkpoint_dir": str(tmp_path)}
    settings["early_stopping_patience"] = 5
    layers = [{"type": "Embedding", "output_dim": 4, "mask_zero": True}, {"type": "GRU", "units": 2}]
    spec = {"layers": layers, "training": {"epochs": 1}}
    _, curves, summary = train_classifier(
        model_input, tokenizer, spec, settings, params["head"], {}, variant="v"
    )
    assert summary["epochs_run"] == 1 and len(curves["loss"]) == 1
    _, curves, summary = train_classifier(
        model_input, tokenizer, {"layers": layers}, settings, params["head"], {}, variant="w"
    )
    assert summary["epochs_run"] == 3
