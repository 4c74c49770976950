"""The shared training loop: curves, summary, a checkpoint per epoch, resume state, epoch log lines."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

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
