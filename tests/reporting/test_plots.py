"""Report figures draw what they claim: one curve per variant and split, one bubble per row."""

from __future__ import annotations

import io

import numpy as np

from rnn_pipelines.reporting import plots

HISTORIES = {
    "lstm": {
        "loss": [0.6, 0.4],
        "val_loss": [0.5, 0.45],
        "accuracy": [0.7, 0.8],
        "val_accuracy": [0.75, 0.8],
    },
    "gru": {"loss": [0.5], "val_loss": [0.4], "accuracy": [0.8], "val_accuracy": [0.82]},
}


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def test_learning_curves_draw_train_and_validation_for_every_variant() -> None:
    figure = plots.learning_curves(HISTORIES, ["loss", "accuracy"])
    axes = figure.get_axes()
    assert [axis.get_title() for axis in axes] == ["loss", "accuracy"]
    for axis in axes:
        assert len(axis.get_lines()) == 2 * len(HISTORIES)
    gru_validation = next(line for line in axes[0].get_lines() if line.get_label() == "gru (validation)")
    np.testing.assert_allclose(gru_validation.get_ydata(), [0.4])
    assert _png(figure).startswith(b"\x89PNG")


def test_score_vs_time_has_one_labelled_bubble_per_row() -> None:
    figure = plots.score_vs_time(
        ["a", "b", "c"], [10, 20, 30], [0.8, 0.85, 0.9], [1e3, 1e4, 1e5], score="acc"
    )
    axis = figure.get_axes()[0]
    assert len(axis.collections[0].get_offsets()) == 3
    assert [text.get_text().split("\n")[0] for text in axis.texts] == ["a", "b", "c"]


def test_confusion_matrix_writes_counts_and_row_shares() -> None:
    figure = plots.confusion_matrix([[40, 10], [5, 45]], ["negative", "positive"], title="t")
    texts = [text.get_text() for text in figure.get_axes()[0].texts]
    assert texts == ["40\n80.0%", "10\n20.0%", "5\n10.0%", "45\n90.0%"]


def test_prediction_while_reading_labels_every_word() -> None:
    readings = [{"words": ["a", "great", "film"], "probabilities": [0.5, 0.8, 0.9], "title": "r1"}]
    axis = plots.prediction_while_reading(readings).get_axes()[0]
    assert [label.get_text() for label in axis.get_xticklabels()] == ["a", "great", "film"]
    np.testing.assert_allclose(axis.get_lines()[-1].get_ydata(), [0.5, 0.8, 0.9])


def test_backtest_folds_draw_a_line_per_model_with_its_mean_and_spread() -> None:
    origins = ["1990-01-01", "1990-03-01", "1990-05-01"]
    figure = plots.backtest_folds(origins, {"gru": [1.0, 2.0, 3.0], "persistence": [2.0, 2.0, 2.0]})
    axis = figure.get_axes()[0]
    labels = [line.get_label() for line in axis.get_lines()]
    assert labels == ["gru (2.000 ± 1.000 °C)", "persistence (2.000 ± 0.000 °C)"]
    np.testing.assert_allclose(axis.get_lines()[0].get_ydata(), [1.0, 2.0, 3.0])
    assert _png(figure).startswith(b"\x89PNG")
