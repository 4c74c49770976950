"""Sentiment nodes: split, tokenize, encode, train each variant, evaluate, compare, select."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.models import builder, text, training
from rnn_pipelines.pipelines.sentiment.hybrids import check_hybrids
from rnn_pipelines.pipelines.sentiment.scoring import classification_metrics, scorecard

logger = logging.getLogger(__name__)

SPLIT_COLUMNS = ["review_id", "text", "label"]


def split_reviews(
    reviews: pd.DataFrame, options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Carve a stratified, seeded validation set out of the official train split.

    The official test split is returned untouched and is used only for the final evaluation.

    Args:
        reviews: The validated IMDB table.
        options: ``validation_size`` (fraction of train) and ``seed``.

    Returns:
        ``train``, ``validation`` and ``test`` tables with ``review_id, text, label``.
    """
    from sklearn.model_selection import train_test_split

    official_train = reviews.loc[reviews["split"] == "train", SPLIT_COLUMNS]
    test = reviews.loc[reviews["split"] == "test", SPLIT_COLUMNS].reset_index(drop=True)
    train, validation = train_test_split(
        official_train,
        test_size=options["validation_size"],
        stratify=official_train["label"],
        random_state=options["seed"],
    )
    logger.info("Sentiment split: %d train, %d validation, %d test", len(train), len(validation), len(test))
    return train.reset_index(drop=True), validation.reset_index(drop=True), test


def fit_tokenizer(train: pd.DataFrame, tokenization: dict[str, Any]) -> dict[str, Any]:
    """Fit the vocabulary on the training split only.

    Returns:
        The tokenizer: its settings (``standardize``, ``sequence_length``, ``truncate``) and
        ``vocabulary`` (padding ``""`` and ``[UNK]`` first), everything needed to rebuild it.
    """
    vocabulary = text.fit_vocabulary(
        train["text"].tolist(), max_tokens=tokenization["max_tokens"], standardize=tokenization["standardize"]
    )
    logger.info("Vocabulary: %d tokens fitted on %d training reviews", len(vocabulary), len(train))
    return {
        "standardize": tokenization["standardize"],
        "sequence_length": tokenization["sequence_length"],
        "truncate": tokenization["truncate"],
        "vocabulary": vocabulary,
    }


def _encode(frame: pd.DataFrame, tokenizer: dict[str, Any]) -> dict[str, np.ndarray]:
    x = text.encode_with(tokenizer, frame["text"].tolist())
    return {"x": x, "y": frame["label"].to_numpy(dtype=np.int8)}


def _data_fill(vocabulary_size: int) -> dict[str, dict[str, Any]]:
    """Builder values that come from the data: the Embedding's vocabulary size."""
    return {"Embedding": {"input_dim": vocabulary_size}}


def encode_reviews(
    train: pd.DataFrame, validation: pd.DataFrame, tokenizer: dict[str, Any]
) -> dict[str, dict[str, np.ndarray]]:
    """Encode the training and validation splits once, so retraining a variant never re-tokenizes.

    Returns:
        ``{"train" | "validation": {"x": int32 [n, sequence_length], "y": int8 [n]}}``.
    """
    return {"train": _encode(train, tokenizer), "validation": _encode(validation, tokenizer)}


def encode_test_reviews(test: pd.DataFrame, tokenizer: dict[str, Any]) -> dict[str, np.ndarray]:
    """Encode the official test split, kept apart so nothing upstream of training can read it."""
    encoded = _encode(test, tokenizer)
    tokens = encoded["x"][encoded["x"] > 0]
    logger.info(
        "Encoded %d test reviews; %.1f%% of their tokens are out of vocabulary",
        len(test),
        100 * float(np.mean(tokens == text.OOV)),
    )
    return encoded


def check_variants(
    variants: dict[str, Any],
    tokenizer: dict[str, Any],
    hybrids: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, list[str]]:
    """Check every variant spec (with its ``training`` overrides of ``settings``) and every hybrid
    before any training starts.

    Returns:
        Per variant, the arguments that would stop cuDNN kernels (logged as warnings).

    Raises:
        ModelSpecError: A spec is malformed; the message names the variant and key.
        HybridSpecError: A hybrid names an unknown member or is malformed.
    """
    problems = builder.check_variants(variants, _data_fill(len(tokenizer["vocabulary"])), settings)
    check_hybrids(hybrids, variants)
    return problems


def _dataset(split: dict[str, np.ndarray], settings: dict[str, Any], *, train: bool = False) -> Any:
    """Batches cut to their reviews' length (``bucket_width``); shuffled with ``seed`` for training."""
    return text.length_batches(
        split["x"],
        split["y"],
        batch_size=settings["batch_size"],
        bucket_width=settings.get("bucket_width"),
        seed=settings["seed"] if train else None,
    )


def build_classifier(
    variant: str,
    spec: dict[str, Any],
    *,
    vocabulary_size: int,
    settings: dict[str, Any],
    head: list[dict[str, Any]],
) -> Any:
    """The variant's compiled classifier (Adam, binary cross-entropy), taking token sequences of any length.

    Call it inside ``training.configure_devices``' scope. With ``mixed_precision`` the head stays float32,
    so the loss is computed on float32 probabilities.
    """
    import keras

    if settings.get("mixed_precision", False):
        head = [{**layer, "dtype": "float32"} for layer in head]
    # any length up to sequence_length: batches are cut after their longest review (bucket_width)
    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    model = builder.build_model(variant, spec, inputs=inputs, head=head, fill=_data_fill(vocabulary_size))
    model.compile(
        optimizer=keras.optimizers.Adam(settings["learning_rate"]),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def train_classifier(
    model_input: dict[str, dict[str, np.ndarray]],
    tokenizer: dict[str, Any],
    spec: dict[str, Any],
    settings: dict[str, Any],
    head: list[dict[str, Any]],
    variant_checks: dict[str, list[str]],
    *,
    variant: str,
) -> tuple[Any, dict[str, list[float]], dict[str, Any]]:
    """Build ``variant`` from its spec and fit it on the train split, early-stopping on validation.

    Args:
        model_input: The encoded train and validation splits.
        tokenizer: Gives the vocabulary size (inputs may be any length up to its ``sequence_length``).
        spec: The variant's ``layers``.
        settings: Training settings (epochs, batch size, learning rate, seed, devices, checkpoints),
            overridden by the spec's ``training``.
        head: Layers appended to every variant (``Dense(1, sigmoid)``).
        variant_checks: Output of ``check_variants``; makes training wait for every spec to pass.

    Returns:
        The fitted model, its per-epoch curves, and a training summary.
    """
    vocabulary_size = len(tokenizer["vocabulary"])
    settings = builder.variant_settings(spec, settings)
    return training.fit(
        f"sentiment.{variant}",
        lambda: build_classifier(
            variant, spec, vocabulary_size=vocabulary_size, settings=settings, head=head
        ),
        _dataset(model_input["train"], settings, train=True),
        _dataset(model_input["validation"], settings),
        settings,
    )


def predict_texts(model: Any, tokenizer: dict[str, Any], texts: list[str]) -> np.ndarray:
    """Positive-class probabilities for raw texts, encoded exactly as in training."""
    return model.predict(text.encode_with(tokenizer, list(texts)), verbose=0).ravel()


def evaluate_classifier(
    model: Any,
    model_input: dict[str, dict[str, np.ndarray]],
    test_input: dict[str, np.ndarray],
    summary: dict[str, Any],
    settings: dict[str, Any],
    *,
    variant: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score a trained variant: validation accuracy (for selection) and test metrics (for the report).

    Returns:
        The scorecard, and the variant's P(positive) per split (``{"probabilities": {"validation",
        "test"}}``, rows in split order) for the hybrids that blend it.
    """
    scores, probabilities = {}, {}
    for split, data in (("validation", model_input["validation"]), ("test", test_input)):
        probabilities[split] = text.predict_in_length_order(
            model,
            data["x"],
            batch_size=settings["evaluation_batch_size"],
            bucket_width=settings.get("bucket_width"),
        ).ravel()
        scores[split] = classification_metrics(data["y"], probabilities[split])
    metrics = scorecard(variant, "rnn", scores["validation"], scores["test"], summary)
    logger.info(
        "%s: val accuracy %.4f, test accuracy %.4f",
        variant,
        metrics["val_accuracy"],
        metrics["test_accuracy"],
    )
    return metrics, {"probabilities": probabilities}
