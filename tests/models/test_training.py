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


MIRRORED = """
import json, sys
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]  # two logical devices, before TensorFlow starts
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from rnn_pipelines.models import training

def windows(seed):
    rng = np.random.default_rng(seed)
    series = (np.sin(2 * np.pi * np.arange(400) / 50) + rng.normal(0, 0.1, 400)).astype("float32")
    x = np.stack([series[i : i + 20] for i in range(360)])[..., None]
    return tf.data.Dataset.from_tensor_slices((x, series[20:380])).batch(32)

def build():  # a forecasting variant's shape: GRU(8) → Dense(1)
    inputs = keras.Input(shape=(20, 1))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(8)(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model

out = {}
for distribution in ("default", "mirrored"):
    settings = {"epochs": 3, "seed": 1, "early_stopping_patience": 5, "distribution": distribution,
                "checkpoint_dir": sys.argv[1] + "/" + distribution}
    model, curves, _ = training.fit(distribution, build, windows(0), windows(1), settings)
    out[distribution] = {"replicas": model.distribute_strategy.num_replicas_in_sync, "loss": curves["loss"],
                         "weights": [w.tolist() for w in model.get_weights()]}
print("RESULT" + json.dumps(out))
"""


def test_mirrored_training_over_two_cpu_devices_matches_one_device(tmp_path: Path) -> None:
    """``distribution: mirrored`` on one host: the model replicated on two logical CPU devices (a GPU's
    stand-in: each batch split between them, gradients averaged) trains as on one device, to 1e-5 in every
    weight."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.rsplit("RESULT", 1)[1])
    one, two = out["default"], out["mirrored"]
    assert (one["replicas"], two["replicas"]) == (1, 2)
    assert two["loss"][-1] < two["loss"][0]  # it trains
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5)
    for mirrored, single in zip(two["weights"], one["weights"], strict=True):
        np.testing.assert_allclose(np.array(mirrored), np.array(single), atol=1e-5)
