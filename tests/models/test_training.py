"""The shared training loop: curves, summary, a checkpoint per epoch, resume state, epoch log lines."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from rnn_pipelines.datasets import checkpoints
from rnn_pipelines.models import training


def tiny_data(seed: int) -> object:
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


def build() -> object:
    import keras

    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    return {
        "epochs": 2,
        "seed": 1,
        "early_stopping_patience": 5,
        "checkpoint_dir": str(tmp_path),
        "mixed_precision": False,
        "distribution": "default",
    }


def test_fit_returns_curves_summary_and_checkpoints(settings: dict, tmp_path: Path, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="rnn_pipelines.models.training"):
        model, curves, summary = training.fit("tiny", build, tiny_data(0), tiny_data(1), settings)
    assert set(curves) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in curves.values())
    assert summary["epochs_run"] == 2 and summary["parameters"] == model.count_params() == 5
    assert summary["best_epoch"] in (1, 2) and summary["train_seconds"] > 0
    assert sorted(p.name for p in (tmp_path / "tiny").glob("*.keras")) == ["epoch_01.keras", "epoch_02.keras"]
    assert not (tmp_path / "tiny" / "backup").exists()  # resume state is dropped once the fit completes
    assert [r.getMessage().split(" (")[0] for r in caplog.records if "epoch" in r.getMessage()][:2] == [
        "tiny epoch 1/2",
        "tiny epoch 2/2",
    ]


def test_same_seed_same_weights(settings: dict) -> None:
    first, _, _ = training.fit("a", build, tiny_data(0), tiny_data(1), settings)
    second, _, _ = training.fit("b", build, tiny_data(0), tiny_data(1), settings)
    for w1, w2 in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_allclose(w1, w2)


def test_unknown_distribution_is_rejected(settings: dict) -> None:
    with pytest.raises(ValueError, match=r"training.distribution must be one of \('default', 'mirrored'\)"):
        training.fit("x", build, tiny_data(0), tiny_data(1), {**settings, "distribution": "tpu"})


def test_time_budget_stops_after_the_epoch_that_crosses_it(settings: dict) -> None:
    settings = {**settings, "epochs": 5, "time_budget_minutes": 0}
    _, curves, summary = training.fit("budget", build, tiny_data(0), tiny_data(1), settings)
    assert summary["epochs_run"] == len(curves["loss"]) == 1 and summary["stopped_by"] == "time_budget"
    unlimited = {**settings, "time_budget_minutes": None}
    _, _, summary = training.fit("unlimited", build, tiny_data(0), tiny_data(1), unlimited)
    assert summary["epochs_run"] == 5 and summary["stopped_by"] == "epochs"


def crashing_data(batches_before_crash: int) -> object:
    """Training batches that fail after ``batches_before_crash`` (a run killed in its second epoch)."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    served = {"batches": 0}

    def batches():
        for start in range(0, 64, 16):
            served["batches"] += 1
            if served["batches"] > batches_before_crash:
                raise RuntimeError("killed")
            yield x[start : start + 16], y[start : start + 16]

    signature = (tf.TensorSpec((None, 4), tf.float32), tf.TensorSpec((None,), tf.float32))
    return tf.data.Dataset.from_generator(batches, output_signature=signature)


def wider() -> object:
    import keras

    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(3, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize(
    ("again", "expected"),
    [(build, "resuming from its last finished epoch, 1 of 3"), (wider, "starting this variant afresh")],
)
def test_an_interrupted_fit_resumes_only_the_same_spec(
    settings: dict, tmp_path: Path, caplog, again, expected
) -> None:
    settings = {**settings, "epochs": 3}
    with pytest.raises(Exception, match="killed"):
        training.fit("v", build, crashing_data(6), tiny_data(1), settings)  # dies in epoch 2
    assert (tmp_path / "v" / "backup").exists()
    with caplog.at_level(logging.INFO, logger="rnn_pipelines.models.training"):
        _, curves, _ = training.fit("v", again, tiny_data(0), tiny_data(1), settings)
    assert expected in caplog.text
    # resumed: epochs 2 and 3 only; afresh: all three
    assert len(curves["val_loss"]) == (2 if again is build else 3)
    assert not (tmp_path / "v" / "backup").exists() and not (tmp_path / "v" / checkpoints.SPEC_FILE).exists()
