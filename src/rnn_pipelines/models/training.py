"""Fit a Keras model with the project's training conventions, shared by the three domains.

Seeds, device strategy, mixed precision, early stopping with best weights restored, a ``.keras``
checkpoint per epoch, resume after an interruption (``keras.callbacks.BackupAndRestore``), progress
within each epoch and a log line per epoch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

STRATEGIES = ("default", "mirrored")


def configure_devices(training: dict[str, Any]) -> AbstractContextManager:
    """Set seeds and precision, and return the scope to build the model in.

    ``distribution: default`` uses TensorFlow's default strategy (one GPU when present, else CPU);
    ``mirrored`` replicates the model on every device of one host (``MirroredStrategy``): all its GPUs, or
    without a GPU its logical CPU devices; each batch is split between the replicas and their gradients
    are averaged. ``mixed_precision`` only takes effect on a GPU.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(training["seed"])
    gpus = tf.config.list_physical_devices("GPU")
    policy = "mixed_float16" if training.get("mixed_precision") and gpus else "float32"
    keras.mixed_precision.set_global_policy(policy)
    distribution = training.get("distribution", "default")
    if distribution not in STRATEGIES:
        raise ValueError(f"training.distribution must be one of {STRATEGIES}, got '{distribution}'")
    if distribution == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        strategy = tf.distribute.MirroredStrategy(devices=[device.name for device in devices])
    else:
        strategy = tf.distribute.get_strategy()
    logger.info(
        "Training on %s (%d GPU(s)), precision %s, strategy %s over %d replica(s)",
        "GPU" if gpus else "CPU",
        len(gpus),
        policy,
        type(strategy).__name__,
        strategy.num_replicas_in_sync,
    )
    return strategy.scope()


def progress_logger(name: str, epochs: int) -> Any:
    """A Keras callback that shows each epoch's progress (``rnn_pipelines.logs.Progress``: a live bar in a
    terminal, a line at most every 30 s in a log: steps done of the epoch's total, elapsed, ETA and the
    running loss) and logs one line per epoch with its scores and the fit's ETA at that pace. The run's
    position (``variant 3/7``) comes from ``rnn_pipelines.logs.current_row()``."""
    import keras

    from rnn_pipelines import logs as run_logs

    class EpochProgress(keras.callbacks.Callback):
        # a per-step hook: Keras hands it the step's logs as Python numbers, as it already does for
        # BackupAndRestore and ModelCheckpoint (their batch hooks keep the fit's callbacks synchronous)
        def on_train_begin(self, logs: dict | None = None) -> None:
            self.started = time.perf_counter()
            self.label = f"{run_logs.current_row()}{name}"
            self.bar: run_logs.Progress | None = None

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.epoch_started = time.perf_counter()
            steps = self.params.get("steps")
            self.bar = run_logs.Progress(f"{self.label} epoch {epoch + 1}/{epochs}", steps, log=logger)

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if self.bar is not None:
                self.bar.advance(1, **{k: v for k, v in (logs or {}).items() if k == "loss"})

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if self.bar is not None:
                self.bar.close()
            values = run_logs.shown_values(dict(sorted((logs or {}).items())))
            now = time.perf_counter()
            left = epochs - epoch - 1
            eta = (
                f", up to {run_logs.duration((now - self.started) / (epoch + 1) * left)} left" if left else ""
            )
            logger.info(
                "%s epoch %d/%d (%s%s): %s",
                self.label,
                epoch + 1,
                epochs,
                run_logs.duration(now - self.epoch_started),
                eta,
                values,
            )

        def on_train_end(self, logs: dict | None = None) -> None:
            if self.bar is not None:
                self.bar.close()

    return EpochProgress()


def time_budget(name: str, minutes: float | None) -> Any:
    """A Keras callback that stops training after the first epoch ending past ``minutes`` (``None``: no
    limit); its ``exceeded`` attribute says whether it did."""
    import keras

    class TimeBudget(keras.callbacks.Callback):
        exceeded = False

        def on_train_begin(self, logs: dict | None = None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            spent = (time.perf_counter() - self.started) / 60
            if minutes is not None and spent >= minutes and not self.model.stop_training:
                self.exceeded = True
                self.model.stop_training = True
                logger.info(
                    "%s: time budget of %.1f min used after epoch %d (%.1f min); stopping",
                    name,
                    minutes,
                    epoch + 1,
                    spent,
                )

    return TimeBudget()


def _without_names(config: Any) -> Any:
    """A Keras config without layer names (numbered per process: ``lstm_3``)."""
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_without_names(v) for v in config]
    return config


def model_fingerprint(model: Any) -> str:
    """sha256 of a compiled model's architecture and optimizer settings, whatever its layers are named."""
    layers = [(type(layer).__name__, _without_names(layer.get_config())) for layer in model.layers]
    optimizer = _without_names(model.optimizer.get_config()) if model.optimizer is not None else None
    text = json.dumps([layers, optimizer], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def share_backup(checkpoints: Any) -> Any:
    """A Keras callback that copies the resume state to shared storage after each epoch (after
    ``BackupAndRestore`` wrote it): a run continued on another machine resumes from there."""
    import keras

    class ShareBackup(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            checkpoints.share()

    return ShareBackup()


def fit(
    name: str,
    build: Callable[[], Any],
    train: Any,
    validation: Any,
    training: dict[str, Any],
) -> tuple[Any, dict[str, list[float]], dict[str, Any]]:
    """Build (inside the device scope), compile and fit a model.

    Args:
        name: Used for log lines and the checkpoint folder.
        build: Returns a compiled model; called inside the distribution scope.
        train, validation: ``tf.data`` datasets of ``(inputs, targets)`` batches.
        training: ``epochs``, ``seed``, ``early_stopping_patience``, ``checkpoint_dir``, optionally
            ``time_budget_minutes`` (stop after the epoch that crosses it; best weights still restored),
            and the keys of ``configure_devices``.

    Returns:
        The model with the best validation-loss weights, its per-epoch history, and a summary
        (``epochs_run``, ``best_epoch``, ``train_seconds``, ``parameters``, ``stopped_by``: ``epochs``,
        ``early_stopping`` or ``time_budget``).
    """
    import keras

    from rnn_pipelines.datasets.checkpoints import CheckpointFolder

    with configure_devices(training):
        model = build()
    checkpoints = CheckpointFolder(training["checkpoint_dir"], name)
    checkpoints.fetch()
    done = checkpoints.keep_only(model_fingerprint(model))
    if done:
        logger.info(
            "%s: resuming from its last finished epoch, %d of %d (resume state in %s)",
            name,
            done,
            training["epochs"],
            checkpoints.url,
        )
    budget = time_budget(name, training.get("time_budget_minutes"))
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=training["early_stopping_patience"], restore_best_weights=True
    )
    callbacks = [
        early_stopping,
        budget,
        # resumes an interrupted fit from its last finished epoch; removed once the fit completes
        keras.callbacks.BackupAndRestore(str(checkpoints.backup)),
        share_backup(checkpoints),
        keras.callbacks.ModelCheckpoint(str(checkpoints.local / "epoch_{epoch:02d}.keras")),
        progress_logger(name, training["epochs"]),
    ]
    start = time.perf_counter()
    history = model.fit(
        train,
        validation_data=validation,
        epochs=training["epochs"],
        callbacks=callbacks,
        verbose=0,
        shuffle=False,  # the tf.data pipeline shuffles (seeded) itself
    )
    seconds = time.perf_counter() - start
    checkpoints.clear()  # Keras removed its backup: the shared copy and the spec file go too
    curves = {k: [float(v) for v in values] for k, values in history.history.items()}
    best_epoch = int(np.argmin(curves["val_loss"])) + 1
    summary = {
        "epochs_run": len(curves["val_loss"]),
        "best_epoch": best_epoch,
        "train_seconds": round(seconds, 2),
        "parameters": int(model.count_params()),
        "stopped_by": "time_budget"
        if budget.exceeded
        else "early_stopping"
        if early_stopping.stopped_epoch > 0
        else "epochs",
    }
    logger.info("%s: %s", name, summary)
    return model, curves, summary
