"""Text-generation export nodes: the best variant as a SavedModel that generates text from a prompt, its
check in a fresh TensorFlow process, and what its blessing compares."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pandas as pd

from rnn_pipelines.datasets.selected import Selected
from rnn_pipelines.pipelines.text_generation.nodes import sampling_requests
from rnn_pipelines.serving import generator
from rnn_pipelines.serving.verify import ExportMismatchError, serve_in_fresh_process

logger = logging.getLogger(__name__)


def export_best_generator(best: dict[str, Any], selected: Selected, tokenizer: dict[str, Any]) -> Any:
    """The selected variant with its tokenizer, as an ``ExportArchive`` with ``generate`` and ``score``."""
    return generator.export_archive(selected.of(best).model, tokenizer)


def _probe_requests(sampling: dict[str, Any], options: dict[str, Any]) -> list[generator.Sampling]:
    """The configured samples (shortened), plus greedy from an empty prompt and a prompt of unseen
    characters."""
    length = options["sample_length"]
    requests = [replace(r, length=length) for r in sampling_requests(sampling)]
    return [
        *requests,
        generator.Sampling(prompt="", length=length, temperature=0.0, seed=0),
        generator.Sampling(prompt="Ωμέγα ✓ \t", length=length, temperature=1.0, top_k=5, seed=1),
    ]


def verify_generator_export(
    model_dir: str,
    best: dict[str, Any],
    selected: Selected,
    tokenizer: dict[str, Any],
    sampling: dict[str, Any],
    options: dict[str, Any],
    validation: str,
) -> dict[str, Any]:
    """Generate and score in a fresh TensorFlow-only process and compare with the in-memory model: the
    generated texts must be identical, the validation score within ``options["atol"]`` nats/token.

    Raises:
        ExportMismatchError: A text differs, the score is off, or the export cannot be served.
    """
    generate, score = generator.in_memory(selected.of(best).model, tokenizer)
    requests = _probe_requests(sampling, options)
    excerpt = validation[: options["score_characters"]]
    calls = [(generator.GENERATE, r.arguments()) for r in requests]
    calls.append((generator.SCORE, [(excerpt, "string")]))
    *served_texts, (served_total, served_tokens) = serve_in_fresh_process(model_dir, calls)
    expected_texts = [generator.sample(generate, r) for r in requests]
    different = [
        {"request": r.__dict__, "expected": e, "served": s}
        for r, e, s in zip(requests, expected_texts, served_texts, strict=True)
        if e != s
    ]
    expected = generator.nats(score, excerpt)
    difference = abs(served_total / max(served_tokens, 1) - expected["nats_per_token"])
    report = {
        "generated_texts": len(requests),
        "identical_texts": len(requests) - len(different),
        "scored_characters": len(excerpt),
        "nats_per_token_difference": difference,
        "atol": options["atol"],
        "passed": not different and served_tokens == expected["tokens"] and difference <= options["atol"],
    }
    if different:
        raise ExportMismatchError(
            f"'{model_dir}' generated different text than the in-memory model for "
            f"{len(different)} of {len(requests)} requests, first: {different[0]}"
        )
    if not report["passed"]:
        raise ExportMismatchError(
            f"'{model_dir}' scores the validation excerpt at {served_total / max(served_tokens, 1):.6f} "
            f"nats/token over {served_tokens} tokens; in memory: {expected['nats_per_token']:.6f} over "
            f"{expected['tokens']} (atol {options['atol']})."
        )
    logger.info(
        "Export verified in a fresh process: %d identical texts, score difference %.2g nats/token",
        len(requests),
        difference,
    )
    return report


def score_champion(champion_dir: str, validation: str) -> float:
    """Validation loss (nats per character) of a champion SavedModel on this run's validation text,
    through its ``score`` signature (a champion validated on another text)."""
    loaded = generator.load(champion_dir)  # held while scoring: its functions reference its variables
    return generator.nats(loaded.score, validation)["nats_per_char"]


def champion_record(
    best: dict[str, Any], comparison: pd.DataFrame, tokenizer: dict[str, Any], validation: str
) -> dict[str, Any]:
    """What ``champion.json`` holds besides the score and provenance: the loss per token and the
    tokenization the export serves with. Loss is compared in nats per character, so char- and
    word-level models compete fairly."""
    return {
        "val_nats_per_token": float(
            comparison.set_index("variant").loc[best["variant"], "val_nats_per_token"]
        ),
        "tokenization": {
            "level": tokenizer["level"],
            "vocabulary_size": len(tokenizer["vocabulary"]),
            "sequence_length": tokenizer["sequence_length"],
        },
        "validation_characters": len(validation),
    }
