"""Report figures. Built on ``matplotlib.figure.Figure`` (no pyplot): nothing opens a window, and the
catalog (``matplotlib.MatplotlibDataset``) or MLflow saves them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def learning_curves(histories: Mapping[str, Mapping[str, Sequence[float]]], metrics: Sequence[str]) -> Any:
    """One panel per metric (e.g. loss, accuracy): every variant's training (dashed) and validation
    (solid) curve per epoch, one colour per variant."""
    figure = _figure(5.5 * len(metrics), 4)
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    colours = _colours(len(histories))
    for axis, metric in zip(axes, metrics, strict=True):
        for colour, (variant, history) in zip(colours, histories.items(), strict=True):
            for key, style, label in ((metric, "--", "train"), (f"val_{metric}", "-", "validation")):
                values = history.get(key) or []
                epochs = np.arange(1, len(values) + 1)
                axis.plot(epochs, values, style, color=colour, marker="o", ms=3, label=f"{variant} ({label})")
        axis.set(xlabel="epoch", ylabel=metric, title=metric)
        axis.grid(alpha=0.3)
    axes[-1].legend(fontsize="small", loc="best")
    return figure


def table_score_vs_time(table: Any, column: str, *, score: str) -> Any:
    """``score_vs_time`` of a comparison table: its ``column`` against ``train_seconds``, bubble =
    ``parameters``."""
    return score_vs_time(
        table["variant"].tolist(),
        table["train_seconds"].tolist(),
        table[column].tolist(),
        table["parameters"].tolist(),
        score=score,
    )


def score_vs_time(
    names: Sequence[str],
    seconds: Sequence[float],
    scores: Sequence[float],
    sizes: Sequence[float],
    *,
    score: str,
) -> Any:
    """Bubble chart: ``score`` against training time, bubble area proportional to ``sizes`` (parameters)."""
    figure = _figure(7, 4.5)
    axis = figure.subplots()
    sizes = np.asarray(sizes, dtype=float)
    area = 60 + 1400 * sizes / max(float(sizes.max()), 1.0)
    axis.scatter(seconds, scores, s=area, c=_colours(len(names)), alpha=0.55, edgecolors="k")
    for name, x, y, size, bubble in zip(names, seconds, scores, sizes, area, strict=True):
        axis.annotate(
            f"{name}\n{size / 1e3:,.0f}k params",
            (x, y),
            xytext=(0, np.sqrt(bubble) / 2 + 2),  # just above the bubble (marker size is area in pt²)
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axis.set(
        xlabel="training time (s)", ylabel=score, title=f"{score} vs training time (bubble = parameters)"
    )
    axis.grid(alpha=0.3)
    axis.margins(0.15)
    return figure


def confusion_matrix(matrix: Sequence[Sequence[int]], labels: Sequence[str], *, title: str) -> Any:
    """A confusion matrix (rows: true, columns: predicted) with counts and row percentages."""
    matrix = np.asarray(matrix)
    figure = _figure(4.5, 4)
    axis = figure.subplots()
    axis.imshow(matrix, cmap="Blues")
    totals = matrix.sum(axis=1, keepdims=True).clip(min=1)
    for (row, column), count in np.ndenumerate(matrix):
        share = count / totals[row, 0]
        colour = "white" if count > matrix.max() / 2 else "black"
        axis.text(column, row, f"{count}\n{share:.1%}", ha="center", va="center", color=colour)
    axis.set(
        xticks=range(len(labels)),
        yticks=range(len(labels)),
        xticklabels=labels,
        yticklabels=labels,
        xlabel="predicted",
        ylabel="true",
        title=title,
    )
    return figure


def prediction_while_reading(readings: Sequence[Mapping[str, Any]]) -> Any:
    """The model's memory: for each review, the positive probability after each word it has read.

    Each reading has ``words`` (list of str), ``probabilities`` (one per word), ``label`` and ``title``.
    """
    figure = _figure(12, 2.6 * len(readings))
    axes = figure.subplots(len(readings), 1, squeeze=False)[:, 0]
    for axis, reading in zip(axes, readings, strict=True):
        probabilities = np.asarray(reading["probabilities"])
        steps = np.arange(1, len(probabilities) + 1)
        axis.axhline(0.5, color="grey", lw=0.8, ls=":")
        axis.fill_between(
            steps, 0.5, probabilities, where=probabilities >= 0.5, color="tab:green", alpha=0.25
        )
        axis.fill_between(steps, 0.5, probabilities, where=probabilities < 0.5, color="tab:red", alpha=0.25)
        axis.plot(steps, probabilities, color="k", lw=1.2)
        axis.set(ylim=(0, 1), xlim=(0.5, len(steps) + 0.5), ylabel="P(positive)", title=reading["title"])
        axis.set_xticks(steps)
        axis.set_xticklabels(reading["words"], rotation=90, fontsize=7)
    return figure


def _colours(count: int) -> list[Any]:
    from matplotlib import colormaps

    palette = colormaps["tab10"]
    return [palette(i % 10) for i in range(count)]


def forecasts_vs_actual(
    dates: Sequence[Any], actual: Sequence[float], forecasts: Mapping[str, Sequence[float]]
) -> Any:
    """The observed series and each named forecast over the same days (e.g. the test year)."""
    figure = _figure(12, 4)
    axis = figure.subplots()
    axis.plot(dates, actual, color="k", lw=1.0, label="observed")
    for colour, (name, values) in zip(_colours(len(forecasts)), forecasts.items(), strict=True):
        axis.plot(dates, values, color=colour, lw=0.9, alpha=0.85, label=name)
    axis.set(ylabel="°C", title="Observed vs forecast (next day), test period")
    axis.grid(alpha=0.3)
    axis.legend(loc="upper right", fontsize="small")
    return figure


def error_histogram(errors: Mapping[str, Sequence[float]], *, unit: str = "°C") -> Any:
    """Overlaid histograms of forecast errors (predicted - observed), one per model, on shared bins."""
    figure = _figure(7, 4)
    axis = figure.subplots()
    everything = np.concatenate([np.asarray(e, dtype=float) for e in errors.values()])
    bins = np.linspace(everything.min(), everything.max(), 41)
    for colour, (name, values) in zip(_colours(len(errors)), errors.items(), strict=True):
        mae = float(np.mean(np.abs(values)))
        axis.hist(values, bins=bins, color=colour, alpha=0.45, label=f"{name} (MAE {mae:.2f} {unit})")
    axis.axvline(0, color="k", lw=0.8)
    axis.set(xlabel=f"error ({unit})", ylabel="days", title="Forecast errors, test period")
    axis.legend(fontsize="small")
    return figure


def backtest_folds(
    origins: Sequence[str], errors: Mapping[str, Sequence[float]], *, unit: str = "°C", part: str = "test"
) -> Any:
    """Each model's error per backtest fold (one marker per forecast origin, a line per model), its mean
    and spread in the legend: a model ahead on average but not in most folds shows it."""
    figure = _figure(9, 4)
    axis = figure.subplots()
    for colour, (name, per_fold) in zip(_colours(len(errors)), errors.items(), strict=True):
        values = np.asarray(per_fold, dtype=float)
        spread = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        label = f"{name} ({values.mean():.3f} ± {spread:.3f} {unit})"
        axis.plot(list(origins), values, marker="o", color=colour, lw=1.2, label=label)
    axis.set(
        xlabel="fold (first forecast day)", ylabel=f"MAE ({unit})", title=f"Backtest over the {part} part"
    )
    axis.grid(alpha=0.3)
    axis.tick_params(axis="x", labelrotation=30)
    axis.legend(fontsize="small")
    return figure
