"""The model builder turns every default variant into the declared layers, and rejects bad specs early."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rnn_pipelines.models.builder import (
    ModelSpecError,
    build_model,
    check_variants,
    cudnn_ineligible,
    shrink_variants,
    validate_spec,
    variant_settings,
)

ROOT = Path(__file__).resolve().parents[2]
SENTIMENT = yaml.safe_load((ROOT / "conf/base/parameters_sentiment.yml").read_text())["sentiment"]
VOCABULARY, LENGTH = SENTIMENT["tokenization"]["max_tokens"], SENTIMENT["tokenization"]["sequence_length"]
FILL = {"Embedding": {"input_dim": VOCABULARY}}

# variant -> [(layer class, output shape)] after the input, ending with the Dense(1, sigmoid) head
EXPECTED = {
    "simple_rnn": [("Embedding", (None, LENGTH, 64)), ("SimpleRNN", (None, 64)), ("Dense", (None, 1))],
    "lstm": [("Embedding", (None, LENGTH, 64)), ("LSTM", (None, 128)), ("Dense", (None, 1))],
    "gru": [("Embedding", (None, LENGTH, 64)), ("GRU", (None, 128)), ("Dense", (None, 1))],
    "bilstm": [("Embedding", (None, LENGTH, 64)), ("Bidirectional", (None, 128)), ("Dense", (None, 1))],
    "stacked": [
        ("Embedding", (None, LENGTH, 64)),
        ("Bidirectional", (None, LENGTH, 128)),
        ("Dropout", (None, LENGTH, 128)),
        ("LSTM", (None, 32)),
        ("Dropout", (None, 32)),
        ("Dense", (None, 32)),
        ("Dense", (None, 1)),
    ],
    "bigru_pool": [
        ("Embedding", (None, LENGTH, 256)),
        ("Dropout", (None, LENGTH, 256)),
        ("SpatialDropout1D", (None, LENGTH, 256)),
        ("Bidirectional", (None, LENGTH, 128)),
        ("GlobalMeanMaxPooling1D", (None, 256)),
        ("Dropout", (None, 256)),
        ("Dense", (None, 1)),
    ],
}


def build(variant: str, spec: dict) -> object:
    import keras

    inputs = keras.Input(shape=(LENGTH,), dtype="int32")
    return build_model(variant, spec, inputs=inputs, head=SENTIMENT["head"], fill=FILL)


def test_defaults_cover_the_seed_variants() -> None:
    assert set(SENTIMENT["variants"]) == set(EXPECTED)


@pytest.mark.parametrize("variant", EXPECTED)
def test_default_variant_has_the_declared_layers_and_shapes(variant: str) -> None:
    model = build(variant, SENTIMENT["variants"][variant])
    layers = [(type(layer).__name__, tuple(layer.output.shape)) for layer in model.layers[1:]]
    assert layers == EXPECTED[variant]
    assert model.layers[-1].activation.__name__ == "sigmoid"
    assert model.name == variant


def test_seed_000_lstm_parameter_count() -> None:
    model = build("lstm", SENTIMENT["variants"]["lstm"])
    embedding = VOCABULARY * 64
    lstm = 4 * (128 * (64 + 128) + 128)
    assert model.count_params() == embedding + lstm + (128 + 1)


@pytest.mark.parametrize("variant", EXPECTED)
def test_default_variants_are_cudnn_eligible(variant: str) -> None:
    assert cudnn_ineligible(SENTIMENT["variants"][variant]) == []


def test_word_dropout_from_yaml_drops_whole_words() -> None:
    """bigru_pool's ``noise_shape: [null, null, 1]`` zeroes a word's whole vector or none of it."""
    import keras
    import numpy as np

    spec = SENTIMENT["variants"]["bigru_pool"]["layers"][1]
    assert spec["type"] == "Dropout"
    model = build("bigru_pool", SENTIMENT["variants"]["bigru_pool"])
    embedded = keras.Model(model.inputs, model.layers[2].output)  # Input, Embedding, word Dropout
    vectors = keras.ops.convert_to_numpy(embedded(np.ones((8, LENGTH), dtype="int32"), training=True))
    dropped = np.all(vectors == 0, axis=-1)
    kept = np.all(vectors != 0, axis=-1)
    assert np.all(dropped | kept)  # never part of a word
    assert 0.1 < dropped.mean() < 0.3  # rate 0.2 of the words


def test_recurrent_dropout_is_reported_as_cudnn_ineligible() -> None:
    spec = {
        "layers": [{"type": "Bidirectional", "layer": {"type": "GRU", "units": 8, "recurrent_dropout": 0.2}}]
    }
    assert cudnn_ineligible(spec) == ["layers[0].layer.recurrent_dropout=0.2"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"layers": [{"type": "LSTMM", "units": 8}]},
            r"variant 'bad': layers\[0\] has unknown layer type 'LSTMM'",
        ),
        ({"layers": [{"type": "GRU"}]}, r"variant 'bad': layers\[0\] \(GRU\) is missing \['units'\]"),
        (
            {
                "layers": [
                    {"type": "Embedding", "output_dim": 8},
                    {"type": "Bidirectional", "layer": {"type": "LSTM"}},
                ]
            },
            r"variant 'bad': layers\[1\]\.layer \(LSTM\) is missing \['units'\]",
        ),
        (
            {"layers": [{"type": "Dense", "unit": 4}]},
            r"\(Dense\) is missing \['units'\] and has unknown keys \['unit'\]",
        ),
        ({"layers": [{"units": 4}]}, r"layers\[0\] must be a mapping with a 'type' key"),
        ({"layers": []}, r"variant 'bad': needs a non-empty 'layers' list"),
        ({"layer": [{"type": "LSTM", "units": 4}]}, r"variant 'bad': needs a non-empty 'layers' list"),
    ],
)
def test_bad_spec_names_variant_and_key(spec: dict, message: str) -> None:
    with pytest.raises(ModelSpecError, match=message):
        validate_spec("bad", spec, FILL)


def test_base_layer_keywords_are_accepted() -> None:
    validate_spec("ok", {"layers": [{"type": "LSTM", "units": 4, "name": "rnn", "dtype": "float32"}]}, FILL)


def test_unknown_argument_is_named() -> None:
    expected = r"layers\[0\] \(Embedding\) is missing \['output_dim'\] and has unknown keys \['output_dims'\]"
    with pytest.raises(ModelSpecError, match=expected):
        validate_spec("bad", {"layers": [{"type": "Embedding", "output_dims": 8}]}, FILL)


def test_embedding_needs_the_vocabulary_size_from_the_data() -> None:
    with pytest.raises(ModelSpecError, match=r"\(Embedding\) is missing \['input_dim'\]"):
        validate_spec("bad", {"layers": [{"type": "Embedding", "output_dim": 8}]}, fill={})


LSTM = [{"type": "Embedding", "output_dim": 8}, {"type": "LSTM", "units": 4}]
TRAINING = SENTIMENT["training"]


def test_a_key_beside_layers_is_named_with_a_suggestion() -> None:
    with pytest.raises(
        ModelSpecError, match=r"variant 'bad': unknown key 'trainig' \(did you mean 'training'\?\)"
    ):
        validate_spec("bad", {"layers": LSTM, "trainig": {"epochs": 1}}, FILL)
    with pytest.raises(
        ModelSpecError, match=r"variant 'bad': unknown key 'epochs'; a variant holds 'layers'"
    ):
        check_variants({"bad": {"layers": LSTM, "epochs": 1}}, FILL, TRAINING)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"epoch": 2}, r"variant 'v': training\.epoch is not a training setting \(did you mean 'epochs'\?\)"),
        ({"checkpoint_dir": "x"}, r"variant 'v': training\.checkpoint_dir holds for the whole run"),
        (
            {"epochs": "3"},
            r"variant 'v': training\.epochs = '3' must be of the kind of the domain's value 10",
        ),
        ({"epochs": 2.5}, r"training\.epochs = 2\.5 must be of the kind"),
        ({"learning_rate": True}, r"training\.learning_rate = True must be of the kind"),
        ([1, 2], r"variant 'v': 'training' must map training settings to values"),
    ],
)
def test_bad_training_overrides_are_named_before_training(overrides, message: str) -> None:
    with pytest.raises(ModelSpecError, match=message):
        check_variants({"v": {"layers": LSTM, "training": overrides}}, FILL, TRAINING)


def test_training_overrides_apply_to_their_variant_only() -> None:
    spec = {"layers": LSTM, "training": {"epochs": 2, "learning_rate": 1}}
    assert check_variants({"v": spec, "w": {"layers": LSTM}}, FILL, TRAINING) == {"v": [], "w": []}
    assert variant_settings(spec, TRAINING) == {**TRAINING, "epochs": 2, "learning_rate": 1}
    assert variant_settings({"layers": LSTM}, TRAINING) == TRAINING


def test_shrink_caps_named_arguments_inside_wrappers_and_keeps_the_rest() -> None:
    variants = {
        "big": {
            "layers": [
                {"type": "Embedding", "output_dim": 64, "mask_zero": True},
                {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 128, "return_sequences": True}},
                {"type": "Dense", "units": 4, "activation": "relu"},  # already under the cap
                {"type": "Dropout", "rate": 0.5},
            ],
            "training": {"epochs": 3},
        }
    }
    shrunk = shrink_variants(variants, {"units": 8, "output_dim": 16})
    layers = shrunk["big"]["layers"]
    assert layers[0] == {"type": "Embedding", "output_dim": 16, "mask_zero": True}
    assert layers[1]["layer"] == {"type": "LSTM", "units": 8, "return_sequences": True}
    assert layers[2]["units"] == 4 and layers[3] == {"type": "Dropout", "rate": 0.5}
    assert shrunk["big"]["training"] == {"epochs": 3}
    assert variants["big"]["layers"][1]["layer"]["units"] == 128  # the configuration is not modified


@pytest.mark.parametrize("cap", [0, -1, 2.5, "8", True])
def test_shrink_rejects_a_cap_that_is_not_a_positive_whole_number(cap) -> None:
    with pytest.raises(ModelSpecError, match=r"shrink\.units: expected a positive whole number"):
        shrink_variants({"v": {"layers": []}}, {"units": cap})
