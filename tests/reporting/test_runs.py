"""A variant's nested-run record: its curves with their validation twins, numeric metrics, plots."""

from __future__ import annotations

from rnn_pipelines.reporting.runs import split_variant_inputs, variant_run_record


def test_record_keeps_the_named_curves_and_numeric_metrics() -> None:
    history = {
        "loss": [0.5, 0.4],
        "val_loss": [0.6, 0.5],
        "mae": [1, 0.9],
        "val_mae": [1.1, 1],
        "lr": [1e-3] * 2,
    }
    metrics = {"kind": "rnn", "test_mae": 1.7, "parameters": 10, "passed": True, "test_predictions": [1.0]}
    record = variant_run_record(
        variant="gru",
        spec={"layers": [{"type": "GRU", "units": 4}]},
        training={"epochs": 3},
        history=history,
        metrics=metrics,
        model=None,
        curves=("loss", "mae"),
        figures={"extra": "figure"},
    )
    assert set(record["history"]) == {"loss", "val_loss", "mae", "val_mae"}
    assert record["metrics"] == {"test_mae": 1.7, "parameters": 10}  # no booleans, no lists
    assert record["params"] == {
        "variant": "gru",
        "spec.layers": '[{"type": "GRU", "units": 4}]',
        "training.epochs": 3,
    }
    assert set(record["figures"]) == {"learning_curves", "extra"}
    assert record["tags"] == {"variant": "gru", "kind": "rnn"}


def test_report_inputs_are_split_by_prefix() -> None:
    histories, metrics = split_variant_inputs(
        {"history_a": 1, "metrics_a": 2, "history_b": 3, "comparison": 4}
    )
    assert histories == {"a": 1, "b": 3} and metrics == {"a": 2}
