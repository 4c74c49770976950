"""The behaviour checks hold a trained model to thresholds: a tiny recurrent model trained by the pipeline's
own nodes on a synthetic corpus, where praise is positive, complaints and negated praise negative and names
and places say nothing, must pass every case; a model that learned nothing must not."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.pipelines.sentiment.behaviour import run_behaviour_checks
from rnn_pipelines.pipelines.sentiment.nodes import (
    encode_reviews,
    fit_tokenizer,
    predict_texts,
    split_reviews,
    train_classifier,
)

PRAISE = ["good", "great", "wonderful", "brilliant", "superb", "moving", "the best", "fun"]
COMPLAINTS = ["terrible", "boring", "predictable", "dull", "awful", "the worst", "a waste of time", "bad"]
NOUNS = ["film", "movie", "story", "acting", "plot", "performance", "ending"]
NAMES = ["Tom Hanks", "Meryl Streep", "Denzel Washington", "Paris", "Chicago", "Tokyo", "my friend"]
POSITIVE = [
    "The {noun} was {good}.",
    "What a {good} {noun}, I loved every minute of it.",
    "I liked the {noun}, it was {good}.",
    "{name} gave a {good} performance in this {noun}.",
    "I watched this in {name} and enjoyed it a lot, {good}.",
    "One of the {good} movies I have ever seen.",
]
NEGATIVE = [
    "The {noun} was {bad}.",
    "The {noun} was not {good}.",
    "I did not like the {noun}.",
    "The {noun} was not {good} at all, {bad}.",
    "{name} could not save this {bad} {noun}.",
    "This {noun} was {bad}, badly acted, I have seen it in years.",
]


def synthetic_reviews(per_template: int = 40, seed: int = 0) -> pd.DataFrame:
    """Reviews from the templates, every filler drawn with a seed; labels from the template's side."""
    draw = random.Random(seed)
    rows = []
    for label, templates in ((1, POSITIVE), (0, NEGATIVE)):
        for template, _ in itertools.product(templates, range(per_template)):
            text = template.format(
                noun=draw.choice(NOUNS),
                good=draw.choice(PRAISE),
                bad=draw.choice(COMPLAINTS),
                name=draw.choice(NAMES),
            )
            rows.append({"review_id": f"{label}/{len(rows)}", "text": text, "label": label, "split": "train"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple:
    train, validation, _ = split_reviews(synthetic_reviews(), {"validation_size": 0.2, "seed": 1})
    tokenization = {
        "max_tokens": 200,
        "sequence_length": 20,
        "standardize": "lower_and_strip_punctuation",
        "truncate": "pre",
    }
    tokenizer = fit_tokenizer(train, tokenization)
    settings = {
        "epochs": 12,
        "batch_size": 16,
        "bucket_width": 0,
        "learning_rate": 0.01,
        "early_stopping_patience": 12,
        "seed": 7,
        "mixed_precision": False,
        "distribution": "default",
        "checkpoint_dir": str(tmp_path_factory.mktemp("checkpoints")),
    }
    spec = {
        "layers": [
            {"type": "Embedding", "output_dim": 16, "mask_zero": True},
            {"type": "Bidirectional", "layer": {"type": "GRU", "units": 16}},
        ]
    }
    head = [{"type": "Dense", "units": 1, "activation": "sigmoid"}]
    model, _, _ = train_classifier(
        encode_reviews(train, validation, tokenizer), tokenizer, spec, settings, head, {}, variant="tiny"
    )
    return model, tokenizer


def test_a_trained_model_passes_every_behaviour_check(trained) -> None:
    model, tokenizer = trained
    report = run_behaviour_checks(lambda texts: predict_texts(model, tokenizer, list(texts)))
    failed = {
        family: [case for case in outcome["cases"] if not case["passed"]]
        for family, outcome in report.items()
    }
    assert all(outcome["pass_rate"] == 1.0 for outcome in report.values()), failed


def test_a_model_that_learned_nothing_fails_them() -> None:
    report = run_behaviour_checks(lambda texts: np.full(len(texts), 0.7))
    assert report["minimum_functionality"]["pass_rate"] == 0.5  # every review called positive
    assert report["directional"]["pass_rate"] == 0.0  # a negation moves nothing
    assert report["invariance"]["pass_rate"] == 1.0  # ... while names trivially change nothing
