"""The text generator: seeded sampling, greedy at temperature 0, scoring, and the exported SavedModel."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from rnn_pipelines.datasets.selected import Selected
from rnn_pipelines.models import language
from rnn_pipelines.pipelines.text_generation.export import export_best_generator, verify_generator_export
from rnn_pipelines.serving import generator
from rnn_pipelines.serving.generator import Sampling
from rnn_pipelines.serving.verify import ExportMismatchError
from tests.serving.language_models import CORPUS, sharp_model, tokenizer_for

SAMPLING = {"prompt": "First", "length": 40, "temperatures": [0.0, 0.7], "top_k": 0, "seed": 3}
EXPORT = {"sample_length": 25, "score_characters": 600, "atol": 1e-5}


@pytest.fixture(scope="module", params=["char", "word"])
def level(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def functions(level: str) -> tuple[Any, Any, dict[str, Any], Any]:
    tokenizer = tokenizer_for(level)
    model = sharp_model(tokenizer)
    generate, score = generator.in_memory(model, tokenizer)
    return generate, score, tokenizer, model


def test_a_fixed_seed_gives_the_same_sample_twice(functions) -> None:
    generate, *_ = functions
    request = Sampling("First", 30, temperature=1.0, seed=11)
    first = generator.sample(generate, request)
    assert generator.sample(generate, request) == first
    assert first.startswith("First")
    others = {
        generator.sample(generate, Sampling("First", 30, temperature=1.0, seed=s)) for s in range(12, 16)
    }
    assert others - {first}, "different seeds should give different samples"


def test_temperature_towards_zero_gives_the_greedy_output(functions) -> None:
    generate, *_ = functions
    greedy = generator.sample(generate, Sampling("Before", 30, temperature=0.0, seed=1))
    assert generator.sample(generate, Sampling("Before", 30, temperature=1e-3, seed=5)) == greedy
    assert generator.sample(generate, Sampling("Before", 30, temperature=2.0, top_k=1, seed=9)) == greedy


def test_greedy_output_follows_the_model_argmax(functions) -> None:
    generate, _, tokenizer, model = functions
    text = generator.sample(generate, Sampling("Before", 5, temperature=0.0))
    ids = language.encode("Before", tokenizer["vocabulary"], level=tokenizer["level"]).tolist()
    for _ in range(5):
        logits = model.predict(np.array([ids[-tokenizer["sequence_length"] :]]), verbose=0)[0, -1]
        logits[language.UNKNOWN_ID] = -np.inf
        ids.append(int(np.argmax(logits)))
    expected = (
        language.join(
            language.lookup(tokenizer["vocabulary"], invert=True)(np.array(ids[-5:])), tokenizer["level"]
        )
        .numpy()
        .decode()
    )
    assert text.removeprefix("Before").lstrip(" ") == expected


def test_generation_length_counts_tokens_and_an_empty_prompt_works(functions) -> None:
    generate, _, tokenizer, _ = functions
    text = generator.sample(generate, Sampling("", 20, temperature=0.9, top_k=3, seed=2))
    assert len(language.token_list(text, tokenizer["level"])) >= (20 if tokenizer["level"] == "char" else 1)
    if tokenizer["level"] == "char":
        assert len(text) == 20
    assert generator.sample(generate, Sampling("Speak", 0)) == "Speak"


def test_score_is_the_validation_loss_keras_reports(functions) -> None:
    _, score, tokenizer, model = functions
    text = CORPUS[:700]
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = language.encode(text, tokenizer["vocabulary"], level=tokenizer["level"])
    length = tokenizer["sequence_length"]
    keras_loss = model.evaluate(
        language.windows(ids, sequence_length=length, stride=length, batch_size=1000), verbose=0
    )
    scores = generator.nats(score, text)
    assert scores["nats_per_token"] == pytest.approx(keras_loss, rel=1e-5)
    assert scores["tokens"] == language.window_count(len(ids), length, length) * length
    assert scores["perplexity"] == pytest.approx(np.exp(scores["nats_per_token"]))
    with pytest.raises(ValueError, match="shorter than one window"):
        generator.nats(score, "First")


def test_the_exported_generator_round_trips_in_a_fresh_process(tmp_path, functions) -> None:
    _, _, tokenizer, model = functions
    best = {"variant": "lstm"}
    export_best_generator(best, Selected("lstm", "rnn", model=model), tokenizer).write_out(
        str(tmp_path / "gen"), verbose=False
    )
    report = verify_generator_export(
        str(tmp_path / "gen"), best, Selected("lstm", "rnn", model=model), tokenizer, SAMPLING, EXPORT, CORPUS
    )
    assert report["passed"] and report["identical_texts"] == report["generated_texts"] == 4
    loaded = generator.load(tmp_path / "gen")
    request = Sampling("All:", 15, temperature=0.5, seed=4)
    assert generator.sample(loaded.generate, request) == generator.sample(functions[0], request)


def test_an_export_of_another_model_is_rejected(tmp_path, functions) -> None:
    _, _, tokenizer, model = functions
    best = {"variant": "lstm"}
    other = sharp_model(tokenizer, seed=99)
    export_best_generator(best, Selected("lstm", "rnn", model=other), tokenizer).write_out(
        str(tmp_path / "gen"), verbose=False
    )
    with pytest.raises(ExportMismatchError, match="generated different text"):
        verify_generator_export(
            str(tmp_path / "gen"),
            best,
            Selected("lstm", "rnn", model=model),
            tokenizer,
            SAMPLING,
            EXPORT,
            CORPUS,
        )
