"""Forecast ensembles: specs checked before training, members chosen on validation, the mean scored like a
variant, and exported as one SavedModel that averages its members."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.datasets.selected import SelectedModelDataset
from rnn_pipelines.models import series
from rnn_pipelines.pipelines.forecasting.ensembles import (
    EnsembleSpecError,
    average_forecasts,
    check_ensembles,
    ensemble_members,
)
from rnn_pipelines.pipelines.forecasting.export import export_best_forecaster, verify_forecaster_export
from rnn_pipelines.serving.forecaster import serve_windows

VARIANTS = {"gru": {}, "lstm": {}, "simple_rnn": {}}
SCALER = {"method": "standard", "offset": 10.0, "scale": 2.0}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"top": 2, "members": ["gru", "lstm"]},
            "mean = {'top': 2, 'members': ['gru', 'lstm']}: give exactly one",
        ),
        ({"size": 2}, "mean.size: not a known key (known: top, members)"),
        ({"top": 1}, "mean.top = 1: Input should be greater than or equal to 2"),
        (
            {"members": ["gru", "transformer"]},
            "mean.members = ['gru', 'transformer']: ['transformer'] are not",
        ),
        ({"members": ["gru"]}, "mean.members = ['gru']: List should have at least 2 items"),
        ({"members": ["gru", "gru"]}, "['gru'] named more than once: two or more different members"),
        ({"members": "gru"}, "mean.members = 'gru': Input should be a valid list"),
    ],
)
def test_a_malformed_ensemble_is_refused_naming_it_and_the_rule(spec, message) -> None:
    with pytest.raises(EnsembleSpecError, match=r"^forecasting\.ensembles\.mean") as error:
        check_ensembles({"mean": spec}, VARIANTS)
    assert message in str(error.value)


def test_an_ensemble_may_not_take_a_variants_name_and_every_problem_is_named() -> None:
    with pytest.raises(EnsembleSpecError) as error:
        check_ensembles({"gru": {"top": 2}, "mix": {"top": 0}}, VARIANTS)
    assert str(error.value).splitlines() == [
        "forecasting.ensembles.mix.top = 0: Input should be greater than or equal to 2 (from the parameters)",
        "forecasting.ensembles.gru = {'top': 2}: the name is already a variant's; rename one of them "
        "(from the parameters)",
    ]


def test_a_checked_ensemble_is_its_spec_as_typed() -> None:
    assert check_ensembles({"a": {"top": 3}, "b": {"members": ["lstm", "gru"]}}, VARIANTS) == {
        "a": {"top": 3},
        "b": {"members": ["lstm", "gru"]},
    }
    assert check_ensembles(None, VARIANTS) == {}


def test_top_members_are_the_lowest_validation_mae_and_all_when_there_are_fewer() -> None:
    metrics = {"gru": {"val_mae": 1.7}, "lstm": {"val_mae": 1.6}, "simple_rnn": {"val_mae": 1.9}}
    assert ensemble_members({"top": 2}, metrics) == ["lstm", "gru"]
    assert ensemble_members({"top": 5}, metrics) == ["lstm", "gru", "simple_rnn"]
    assert ensemble_members({"members": ["simple_rnn", "gru"]}, metrics) == ["simple_rnn", "gru"]


def windows_of(values: np.ndarray) -> dict:
    days = pd.DataFrame({"date": pd.date_range("1990-01-01", periods=len(values)), "temp_c": values})
    return series.make_windows(days, SCALER, sequence_length=4, horizon=1, stride=1, calendar=False)


def test_the_ensemble_scores_the_mean_of_its_members_forecasts() -> None:
    windows = {split: windows_of(10 + np.arange(16.0)) for split in ("train", "validation", "test")}
    actual = series.unscale(windows["test"]["y"], SCALER)
    # members err by +1 and -1 °C (and a worse one by +3): the mean of the best two is exact
    errors = {"gru": 1.0, "lstm": -1.0, "simple_rnn": 3.0}
    inputs = {}
    for name, error in errors.items():
        inputs[f"scores_{name}"] = {"validation": actual + error, "test": actual + error}
        inputs[f"metrics_{name}"] = {"val_mae": abs(error), "train_seconds": 2.0, "parameters": 10}
    blend, card = average_forecasts(
        windows, SCALER, {"folds": 2}, {"top2": {"top": 2}}, ensemble="top2", **inputs
    )
    assert blend == {"members": ["gru", "lstm"], "weights": [0.5, 0.5]}
    assert card["kind"] == "ensemble" and card["variant"] == "top2"
    assert card["val_mae"] == pytest.approx(0.0) and card["test_mae"] == pytest.approx(0.0)
    assert card["test_mae_folds"] == [0.0, 0.0]
    assert card["train_seconds"] == 4.0 and card["parameters"] == 20


def member(seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(4, 1), name="window")
    return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(3)(inputs)))


def test_an_ensemble_is_exported_as_one_saved_model_serving_the_mean_of_its_members(tmp_path) -> None:
    models = tmp_path / "models"
    members = {"gru": member(1), "lstm": member(2)}
    for name, model in members.items():
        (models / name).mkdir(parents=True)
        model.save(models / name / "model.keras")
    (models / "top2").mkdir()
    (models / "top2" / "blend.json").write_text(
        json.dumps({"members": ["gru", "lstm"], "weights": [0.5, 0.5]})
    )
    best = {"variant": "top2", "kind": "ensemble"}
    selection = tmp_path / "best_variant.json"
    selection.write_text(json.dumps(best))
    selected = SelectedModelDataset(selection=str(selection), models=str(models)).load()
    windowing = {"sequence_length": 4, "horizon": 1, "calendar_features": False}

    path = tmp_path / "export"
    export_best_forecaster(best, selected, SCALER, windowing).write_out(str(path), verbose=False)
    test = windows_of(8 + 4 * np.sin(np.arange(30.0) / 3))
    report = verify_forecaster_export(
        str(path), best, selected, {"test": test}, SCALER, windowing, {"test_windows": 8, "atol": 1e-4}
    )
    assert report["passed"]

    raw = series.unscale(test["x"][..., 0], SCALER).astype(np.float32)
    served = serve_windows(path, raw)
    each = {n: series.unscale(m.predict(test["x"], verbose=0), SCALER) for n, m in members.items()}
    np.testing.assert_allclose(served, (each["gru"] + each["lstm"]) / 2, atol=1e-4)
    assert not np.allclose(served, each["gru"], atol=1e-3)  # not just one member
