"""Text-generation export nodes: the best variant as a SavedModel that generates text from a prompt, its
check in a fresh TensorFlow process, and the blessing against the champion."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import pandas as pd

from rnn_pipelines.pipelines.text_generation.nodes import sampling_requests
from rnn_pipelines.reporting.provenance import git_commit, text_sha256
from rnn_pipelines.serving import blessing, generator
from rnn_pipelines.serving.verify import ExportMismatchError, serve_in_fresh_process

logger = logging.getLogger(__name__)


def export_best_generator(best: dict[str, Any], tokenizer: dict[str, Any], **models: Any) -> Any:
    """The best variant with its tokenizer, as an ``ExportArchive`` with ``generate`` and ``score``."""
    return generator.export_archive(models[f"model_{best['variant']}"], tokenizer)


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
    tokenizer: dict[str, Any],
    sampling: dict[str, Any],
    options: dict[str, Any],
    validation: str,
    **models: Any,
) -> dict[str, Any]:
    """Generate and score in a fresh TensorFlow-only process and compare with the in-memory model: the
    generated texts must be identical, the validation score within ``options["atol"]`` nats/token.

    Raises:
        ExportMismatchError: A text differs, the score is off, or the export cannot be served.
    """
    generate, score = generator.in_memory(models[f"model_{best['variant']}"], tokenizer)
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


def bless_generator(
    model_dir: str,
    verification: dict[str, Any],
    best: dict[str, Any],
    comparison: pd.DataFrame,
    champion: dict[str, Any],
    corpus: str,
    validation: str,
    tokenizer: dict[str, Any],
) -> dict[str, Any]:
    """Bless the best variant when its validation loss is lower than the champion's on the same
    validation text. Loss is compared in nats per character, so char- and word-level models compete
    fairly; a champion validated on another text is re-scored on this one through its ``score``.

    Returns:
        The decision for ``ChampionDataset`` (see ``blessing.decide``).
    """
    rows = comparison.set_index("variant")
    candidate = float(rows.loc[best["variant"], "val_nats_per_char"])
    record = {
        "variant": best["variant"],
        "metrics": json.loads(rows.loc[best["variant"]].drop("kind").to_json()),
        "val_nats_per_char": candidate,
        "val_nats_per_token": float(rows.loc[best["variant"], "val_nats_per_token"]),
        "tokenization": {
            "level": tokenizer["level"],
            "vocabulary_size": len(tokenizer["vocabulary"]),
            "sequence_length": tokenizer["sequence_length"],
        },
        "data_sha256": text_sha256(corpus),
        "validation_sha256": text_sha256(validation),
        "validation_characters": len(validation),
        **git_commit(),
    }
    champion_score = champion.get("val_nats_per_char")
    if champion and champion.get("validation_sha256") != record["validation_sha256"]:
        loaded = generator.load(champion["path"])
        champion_score = generator.nats(loaded.score, validation)["nats_per_char"]
        logger.info("Champion re-scored on this run's validation text: %.4f nats/char", champion_score)
    return blessing.decide(
        variant=best["variant"],
        score=blessing.Score("validation loss (nats/char)", higher_is_better=False),
        candidate=candidate,
        champion=champion_score,
        must_beat={},
        verified=bool(verification.get("passed")),
        record=record,
        model_dir=model_dir,
    )
