"""Build Keras models from a declarative spec, shared by the three domains.

A variant is configuration, e.g.::

    lstm:
      layers:
        - {type: Embedding, output_dim: 64, mask_zero: true}
        - {type: LSTM, units: 128}

A variant may also carry ``training:``, overrides of the domain's training settings for that variant
alone (``epochs``, ``learning_rate``, ``batch_size`` …); any other key is an error.

Each layer is ``type`` (a class in ``keras.layers``, or a project layer from ``models.layers`` such as
``GlobalMeanMaxPooling1D``) plus its keyword arguments; wrappers such as
``Bidirectional`` take their inner layer as a nested spec under ``layer``. The domain adds its input and
head (e.g. ``Dense(1, sigmoid)`` for sentiment) and fills values that come from the data (the
``Embedding`` vocabulary size). Specs are checked before anything is built, so a typo fails before
training with a message naming the variant and the key.
"""

from __future__ import annotations

import difflib
import inspect
import logging
from collections.abc import Mapping
from typing import Any

from rnn_pipelines.errors import UserError

logger = logging.getLogger(__name__)

WRAPPERS = {"Bidirectional", "TimeDistributed"}  # layers that wrap another layer given under `layer`
# Keras 3 raises on these when cuDNN would be used; keeping them at defaults keeps layers GPU-eligible.
CUDNN_DEFAULTS = {
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "recurrent_dropout": 0,
    "unroll": False,
}
CUDNN_LAYERS = {"LSTM", "GRU"}
VARIANT_KEYS = ("layers", "training")
# training settings that hold for the whole run (devices, checkpoint folders), never one variant's
RUN_SETTINGS = frozenset({"checkpoint_dir", "distribution", "mixed_precision"})


class ModelSpecError(UserError, ValueError):
    """A variant's spec is malformed; the message names the variant, the layer and the key."""


def _find_class(layer_type: str) -> Any:
    import keras

    from rnn_pipelines.models.layers import LAYERS

    return LAYERS.get(layer_type) or getattr(keras.layers, layer_type, None)


def _layer_class(variant: str, where: str, spec: Any) -> type:
    import keras

    if not isinstance(spec, Mapping) or "type" not in spec:
        raise ModelSpecError(
            f"variant '{variant}': {where} must be a mapping with a 'type' key, got {spec!r}"
        )
    layer_type = spec["type"]
    cls = _find_class(str(layer_type))
    if not (inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)):
        raise ModelSpecError(
            f"variant '{variant}': {where} has unknown layer type '{layer_type}' "
            "(expected a keras.layers class such as LSTM, GRU, SimpleRNN, Dense, Dropout, Bidirectional)"
        )
    return cls


def _named_parameters(cls: type) -> tuple[set[str], list[str]]:
    """Every keyword a layer accepts (its own and its base classes'), and those it requires."""
    accepted: set[str] = set()
    required: list[str] = []
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        for name, p in inspect.signature(klass.__init__).parameters.items():
            if name == "self" or p.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
                continue
            accepted.add(name)
            if klass is cls and p.default is inspect.Parameter.empty:
                required.append(name)
    return accepted, required


def _check_arguments(variant: str, where: str, cls: type, kwargs: Mapping[str, Any]) -> None:
    accepted, required = _named_parameters(cls)
    problems = []
    missing = [name for name in required if name not in kwargs]
    if missing:
        problems.append(f"is missing {missing}")
    unknown = [key for key in kwargs if key not in accepted]
    if unknown:
        problems.append(f"has unknown keys {unknown}")
    if problems:
        raise ModelSpecError(f"variant '{variant}': {where} ({cls.__name__}) {' and '.join(problems)}")


def validate_layer(variant: str, where: str, spec: Any, fill: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise ``ModelSpecError`` unless ``spec`` describes a buildable layer."""
    cls = _layer_class(variant, where, spec)
    kwargs = {**fill.get(cls.__name__, {}), **{k: v for k, v in spec.items() if k != "type"}}
    if cls.__name__ in WRAPPERS:
        validate_layer(variant, f"{where}.layer", kwargs.get("layer"), fill)
        kwargs["layer"] = None
    _check_arguments(variant, where, cls, kwargs)


def _did_you_mean(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate_spec(variant: str, spec: Any, fill: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Check a whole variant spec (``{layers: [...]}``, optionally ``training: {...}``) without building
    it."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("layers"), list) or not spec["layers"]:
        raise ModelSpecError(f"variant '{variant}': needs a non-empty 'layers' list, got {spec!r}")
    for key in spec:
        if key not in VARIANT_KEYS:
            raise ModelSpecError(
                f"variant '{variant}': unknown key '{key}'{_did_you_mean(str(key), VARIANT_KEYS)}; a variant "
                "holds 'layers' and, optionally, 'training' (its own values of the training settings)"
            )
    for index, layer in enumerate(spec["layers"]):
        validate_layer(variant, f"layers[{index}]", layer, fill or {})


def validate_training(variant: str, spec: Mapping[str, Any], training: Mapping[str, Any]) -> None:
    """Check a variant's ``training`` overrides against the domain's ``training`` settings: known keys,
    not run-wide ones, and values of the same kind (a number for a number, a flag for a flag)."""
    overrides = spec.get("training", {})
    if not isinstance(overrides, Mapping):
        raise ModelSpecError(
            f"variant '{variant}': 'training' must map training settings to values, got {overrides!r}"
        )
    for key, value in overrides.items():
        where = f"variant '{variant}': training.{key}"
        if key not in training:
            raise ModelSpecError(
                f"{where} is not a training setting{_did_you_mean(str(key), training)}; "
                f"known: {sorted(set(training) - RUN_SETTINGS)}"
            )
        if key in RUN_SETTINGS:
            raise ModelSpecError(f"{where} holds for the whole run; set it under the domain's 'training'")
        default = training[key]
        if isinstance(default, bool) or isinstance(value, bool):
            same_kind = isinstance(default, bool) and isinstance(value, bool)
        elif isinstance(default, int | float):
            same_kind = isinstance(value, int | float) and (
                isinstance(default, float) or isinstance(value, int)
            )
        else:
            same_kind = default is None or isinstance(value, type(default))
        if not same_kind:
            raise ModelSpecError(
                f"{where} = {value!r} must be of the kind of the domain's value {default!r} "
                f"({type(default).__name__})"
            )


def variant_settings(spec: Mapping[str, Any], training: Mapping[str, Any]) -> dict[str, Any]:
    """The training settings of one variant: the domain's, with the variant's ``training`` overrides."""
    return {**training, **(spec.get("training") or {})}


def build_layer(spec: Mapping[str, Any], fill: Mapping[str, Mapping[str, Any]]) -> Any:
    """Instantiate one layer; ``fill`` supplies per-type defaults that come from the data."""
    cls = _find_class(spec["type"])
    kwargs = {**fill.get(cls.__name__, {}), **{k: v for k, v in spec.items() if k != "type"}}
    if cls.__name__ in WRAPPERS:
        kwargs["layer"] = build_layer(kwargs["layer"], fill)
    return cls(**kwargs)


def build_model(
    variant: str,
    spec: Mapping[str, Any],
    *,
    inputs: Any,
    head: list[Mapping[str, Any]],
    fill: Mapping[str, Mapping[str, Any]] | None = None,
) -> Any:
    """Build a functional Keras model: ``inputs`` → the variant's layers → the domain's ``head``.

    Args:
        variant: The variant's name, used in messages and as the model name.
        spec: ``{"layers": [...]}`` from the parameters.
        inputs: A ``keras.Input`` (the domain decides shape and dtype).
        head: Layer specs appended after the variant's layers (e.g. ``Dense(1, sigmoid)``).
        fill: Per-layer-type defaults from the data, e.g. ``{"Embedding": {"input_dim": 10000}}``.

    Raises:
        ModelSpecError: Unknown layer type, missing or unknown argument.
    """
    import keras

    fill = fill or {}
    validate_spec(variant, spec, fill)
    for index, layer in enumerate(head):
        validate_layer(variant, f"head[{index}]", layer, fill)
    x = inputs
    for layer_spec in [*spec["layers"], *head]:
        x = build_layer(layer_spec, fill)(x)
    return keras.Model(inputs, x, name=variant)


def cudnn_ineligible(spec: Mapping[str, Any]) -> list[str]:
    """Names the LSTM/GRU arguments that would stop cuDNN kernels from being used (empty when eligible)."""
    problems = []

    def visit(where: str, layer: Mapping[str, Any]) -> None:
        if layer.get("type") in WRAPPERS and isinstance(layer.get("layer"), Mapping):
            visit(f"{where}.layer", layer["layer"])
        elif layer.get("type") in CUDNN_LAYERS:
            for key, default in CUDNN_DEFAULTS.items():
                if key in layer and layer[key] != default:
                    problems.append(f"{where}.{key}={layer[key]!r}")

    for index, layer in enumerate(spec.get("layers", [])):
        visit(f"layers[{index}]", layer)
    return problems


def check_variants(
    variants: Mapping[str, Any],
    fill: Mapping[str, Mapping[str, Any]] | None = None,
    training: Mapping[str, Any] | None = None,
) -> dict[str, list[str]]:
    """Check every variant spec (and, given the domain's ``training`` settings, its overrides) before any
    training starts.

    Returns:
        Per variant, the arguments that would stop cuDNN kernels (also logged as warnings).

    Raises:
        ModelSpecError: A spec is malformed; the message names the variant and key.
    """
    problems = {}
    for name, spec in variants.items():
        validate_spec(name, spec, fill or {})
        if training is not None:
            validate_training(name, spec, training)
        problems[name] = cudnn_ineligible(spec)
        if problems[name]:
            logger.warning("Variant %s will not use cuDNN kernels on a GPU: %s", name, problems[name])
    return problems


def _capped(layer: Any, caps: Mapping[str, int]) -> Any:
    if not isinstance(layer, Mapping):
        return layer
    capped = {}
    for key, value in layer.items():
        small = min(value, caps[key]) if key in caps and type(value) is int else value
        capped[key] = _capped(small, caps) if key == "layer" else small  # a wrapper's inner layer
    return capped


def shrink_variants(variants: Mapping[str, Any], caps: Mapping[str, int]) -> dict[str, Any]:
    """Every variant with each layer argument named in ``caps`` capped (``units: 8`` makes an LSTM of 128
    units one of 8), inside wrappers too: a rule that makes any variant small, for smoke runs.

    Raises:
        ModelSpecError: A cap is not a positive whole number.
    """
    for key, cap in caps.items():
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            raise ModelSpecError(f"shrink.{key}: expected a positive whole number (a cap), got {cap!r}")
    return {
        name: {**spec, "layers": [_capped(layer, caps) for layer in spec.get("layers") or []]}
        if isinstance(spec, Mapping)
        else spec
        for name, spec in variants.items()
    }
