"""The run-start checks in ``rnn_pipelines.hooks``."""

from __future__ import annotations

import pytest

from rnn_pipelines.hooks import _check_layers
from rnn_pipelines.models.builder import ModelSpecError

PARAMETERS = {
    "forecasting": {
        "variants": {
            "gru": {"layers": [{"type": "GRU", "units": 4}, {"type": "Dense", "units": 1}]},
            "bad": {"layers": [{"type": "LSTMM", "units": 4}]},
        }
    }
}


def test_the_layers_of_a_variant_the_run_trains_are_checked_before_any_node() -> None:
    nodes = {"forecasting.split_series", "forecasting.bad.train_forecaster"}
    with pytest.raises(ModelSpecError, match="variant 'bad': layers\\[0\\] has unknown layer type 'LSTMM'"):
        _check_layers(PARAMETERS, ["forecasting"], nodes)


def test_a_run_without_a_variants_nodes_leaves_its_layers_to_the_runs_that_have_them() -> None:
    """An Airflow task that compares or reports (no node in the variant's namespace) does not check its
    layers, nor import Keras for them: the check task and the variant's own task do."""
    _check_layers(PARAMETERS, ["forecasting"], {"forecasting.compare", "forecasting.gru.record_variant_run"})
