"""Text-generation nodes: split the corpus, tokenize, window, train each variant, score, compare, sample."""

from __future__ import annotations

import logging
import math
from typing import Any

from rnn_pipelines.datasets.selected import Selected
from rnn_pipelines.models import builder, language, training
from rnn_pipelines.serving import generator

logger = logging.getLogger(__name__)

SPLITS = ("train", "validation")
RECURRENT = ("LSTM", "GRU", "SimpleRNN")


def split_corpus(corpus: str, options: dict[str, Any]) -> tuple[str, str]:
    """Split by position: the first part trains, the last ``validation_fraction`` validates.

    The cut moves forward to the next line break, so no line is shared; nothing is shuffled across it.

    Raises:
        ValueError: The fraction is not in (0, 1), or a part would be empty.
    """
    fraction = options["validation_fraction"]
    if not 0 < fraction < 1:
        raise ValueError(f"text_generation.split.validation_fraction must be in (0, 1), got {fraction}")
    cut = int(len(corpus) * (1 - fraction))
    newline = corpus.find("\n", cut)
    cut = newline + 1 if 0 <= newline < len(corpus) - 1 else cut
    train, validation = corpus[:cut], corpus[cut:]
    if not train or not validation:
        raise ValueError(
            f"A corpus of {len(corpus)} characters cannot be split with validation_fraction={fraction}"
        )
    logger.info("Corpus split at character %d: train %d, validation %d", cut, len(train), len(validation))
    return train, validation


def fit_tokenizer(train: str, tokenization: dict[str, Any], windowing: dict[str, Any]) -> dict[str, Any]:
    """The vocabulary of the training part only (saved in ``06_models`` and exported with the model).

    Returns:
        ``level``, ``vocabulary`` (without ``[UNK]``, which is id 0), ``sequence_length``.
    """
    level = language.check_level(tokenization["level"])
    vocabulary = language.fit_vocabulary(train, level=level, max_tokens=tokenization.get("max_tokens"))
    logger.info("%s-level vocabulary: %d tokens (+ [UNK])", level, len(vocabulary))
    return {"level": level, "vocabulary": vocabulary, "sequence_length": windowing["sequence_length"]}


def encode_corpus(train: str, validation: str, tokenizer: dict[str, Any]) -> dict[str, Any]:
    """Token ids of each part (cached in ``05_model_input`` so retraining does not re-tokenize).

    Raises:
        ValueError: A part is shorter than one window of ``sequence_length`` tokens plus a target.
    """
    length = tokenizer["sequence_length"]
    encoded: dict[str, Any] = {}
    for name, text in zip(SPLITS, (train, validation), strict=True):
        ids = language.encode(text, tokenizer["vocabulary"], level=tokenizer["level"])
        if len(ids) <= length:
            raise ValueError(
                f"The {name} part has {len(ids)} {tokenizer['level']} tokens, fewer than one window of "
                f"sequence_length={length} plus a target; use a longer corpus or a shorter sequence_length."
            )
        unknown = float((ids == language.UNKNOWN_ID).mean())
        encoded[name] = ids
        encoded[f"{name}_characters"] = len(text)
        logger.info("%s: %d tokens, %.2f%% outside the vocabulary", name, len(ids), 100 * unknown)
    return encoded


def _fill(tokenizer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Builder values from the data: the vocabulary size, and every recurrent layer returns sequences
    (a next-token prediction at every position)."""
    fill: dict[str, dict[str, Any]] = {"Embedding": {"input_dim": len(tokenizer["vocabulary"]) + 1}}
    return fill | {layer: {"return_sequences": True} for layer in RECURRENT}


def check_variants(
    variants: dict[str, Any], tokenizer: dict[str, Any], settings: dict[str, Any] | None = None
) -> dict[str, list[str]]:
    """Check every variant spec (with its ``training`` overrides of ``settings``) before training (see
    ``builder.check_variants``)."""
    return builder.check_variants(variants, _fill(tokenizer), settings)


def train_language_model(
    encoded: dict[str, Any],
    tokenizer: dict[str, Any],
    spec: dict[str, Any],
    settings: dict[str, Any],
    variant_checks: dict[str, list[str]],
    windowing: dict[str, Any],
    *,
    variant: str,
) -> tuple[Any, dict[str, list[float]], dict[str, Any]]:
    """Build ``variant`` (its layers, then a per-step ``Dense`` over the vocabulary) and fit it with sparse
    categorical cross-entropy on next-token targets, early-stopping on validation loss.

    Returns:
        The fitted model (outputs logits), its per-epoch curves and a training summary.
    """
    import keras

    length = tokenizer["sequence_length"]
    head = [{"type": "Dense", "units": len(tokenizer["vocabulary"]) + 1, "dtype": "float32"}]
    settings = builder.variant_settings(spec, settings)

    def build() -> Any:
        inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
        model = builder.build_model(variant, spec, inputs=inputs, head=head, fill=_fill(tokenizer))
        model.compile(
            optimizer=keras.optimizers.Adam(settings["learning_rate"], clipnorm=settings.get("clipnorm")),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        return model

    batch = settings["batch_size"]
    return training.fit(
        f"text_generation.{variant}",
        build,
        language.windows(
            encoded["train"],
            sequence_length=length,
            stride=windowing["stride"],
            batch_size=batch,
            seed=settings["seed"],
        ),
        # validation windows follow each other, as `score` (and the report) counts them
        language.windows(encoded["validation"], sequence_length=length, stride=length, batch_size=batch),
        settings,
    )


def evaluate_language_model(
    model: Any,
    tokenizer: dict[str, Any],
    validation: str,
    summary: dict[str, Any],
    *,
    variant: str,
) -> dict[str, Any]:
    """Validation loss in nats per token, perplexity, and nats (and bits) per character of the validation
    text, computed by the same ``score`` function the export serves."""
    _, score = generator.in_memory(model, tokenizer)
    scores = generator.nats(score, validation)
    metrics = {
        "variant": variant,
        "kind": "rnn",
        "level": tokenizer["level"],
        "val_nats_per_token": scores["nats_per_token"],
        "val_perplexity": scores["perplexity"],
        "val_nats_per_char": scores["nats_per_char"],
        "val_bits_per_char": scores["nats_per_char"] / math.log(2),
        "val_tokens": scores["tokens"],
        **summary,
    }
    logger.info(
        "%s: validation %.4f nats/token (perplexity %.2f), %.4f nats/char",
        variant,
        metrics["val_nats_per_token"],
        metrics["val_perplexity"],
        metrics["val_nats_per_char"],
    )
    return metrics


def sampling_requests(options: dict[str, Any]) -> list[generator.Sampling]:
    """One request per configured temperature (same prompt, length, top-k and seed)."""
    return [
        generator.Sampling(
            prompt=options["prompt"],
            length=options["length"],
            temperature=float(temperature),
            top_k=options["top_k"],
            seed=options["seed"],
        )
        for temperature in options["temperatures"]
    ]


def sample_best(
    best: dict[str, Any], selected: Selected, tokenizer: dict[str, Any], options: dict[str, Any]
) -> dict[str, Any]:
    """Samples of the selected variant at each configured temperature (for the report and MLflow)."""
    generate, _ = generator.in_memory(selected.of(best).model, tokenizer)
    samples = []
    for request in sampling_requests(options):
        text = generator.sample(generate, request)
        samples.append({"temperature": request.temperature, "text": text})
        logger.info("%s at temperature %.2f:\n%s", best["variant"], request.temperature, text)
    return {
        "variant": best["variant"],
        "prompt": options["prompt"],
        "length": options["length"],
        "top_k": options["top_k"],
        "seed": options["seed"],
        "samples": samples,
    }
