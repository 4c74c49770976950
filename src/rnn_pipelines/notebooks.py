"""Helpers for the notebooks in ``notebooks/`` (not nodes): read what a run left behind through the
catalog, the MLflow store and the exported SavedModels, and shape it for a table or a plot.

Every helper that needs a run's output raises ``MissingOutput`` when it is not there: one sentence that
names the output and the command that makes it (IPython shows the sentence, not a traceback).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

SMOKE_HINT = "a smoke run is enough: `kedro run --pipelines={pipeline} --env=smoke`"


class MissingOutput(RuntimeError):
    """An output a notebook reads does not exist yet."""

    def _render_traceback_(self) -> list[str]:  # IPython prints this instead of the traceback
        return [f"MissingOutput: {self}"]


def short_errors(shell: Any = None) -> None:
    """Show a ``MissingOutput`` in IPython as its one sentence. Kedro's rich tracebacks print every frame
    of every error; other errors keep them."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:  # not in IPython: an ordinary exception
        return
    show_others = shell._showtraceback

    def show(etype: type, value: BaseException, stb: list[str]) -> Any:
        if isinstance(value, MissingOutput):  # the shell's own way, with the sentence as the traceback
            return type(shell)._showtraceback(shell, etype, value, value._render_traceback_())
        return show_others(etype, value, stb)

    shell._showtraceback = show


def need(catalog: Any, name: str, pipeline: str) -> Any:
    """``catalog.load(name)``, or one sentence naming the dataset and the run that writes it."""
    from kedro.io import DatasetError

    try:
        return catalog.load(name)
    except (DatasetError, FileNotFoundError) as error:
        raise MissingOutput(
            f"'{name}' is not there yet ({type(error).__name__}): run the {pipeline} pipeline first "
            f"({SMOKE_HINT.format(pipeline=pipeline)})."
        ) from None


def champion_record(model_dir: Path) -> dict[str, Any]:
    """The champion's ``champion.json`` (variant, kind, scores, fingerprints, registry version)."""
    return json.loads((Path(model_dir) / "champion.json").read_text(encoding="utf-8"))


def champion_dir(project: Path, domain: str) -> Path:
    """The domain's exported champion, or one sentence saying why there is none (the blessing's
    reason) and where the exported candidate is."""
    from rnn_pipelines.predict import PredictError, catalog_dataset, project_catalog, why_no_champion

    catalog = project_catalog(project)
    record = catalog_dataset(catalog, f"{domain}.champion").load()
    if not record:
        try:
            reason = why_no_champion(project, domain, catalog)
        except PredictError as error:
            reason = str(error)
        raise MissingOutput(reason.replace("\n", " "))
    return Path(record["path"])


# ---- 01: data and validation ----
def review_lengths(tokenizer: Mapping[str, Any], texts: Sequence[str]) -> np.ndarray:
    """Tokens per review as the model's own ``TextVectorization`` counts them (before truncation)."""
    from rnn_pipelines.models import text

    vectorizer = text.make_vectorizer(tokenizer["vocabulary"], standardize=tokenizer["standardize"])
    ragged = vectorizer(np.asarray(list(texts), dtype=object))
    return ragged.row_lengths().numpy()


def length_figure(lengths: np.ndarray, sequence_length: int) -> Any:
    """Histogram of review lengths with ``sequence_length`` marked and the share it keeps whole."""
    import matplotlib.pyplot as plt

    kept = float(np.mean(lengths <= sequence_length))
    figure, axis = plt.subplots(figsize=(8, 3.5))
    axis.hist(lengths, bins=60, color="#4c72b0")
    axis.axvline(sequence_length, color="#c44e52", linestyle="--")
    axis.set(xlabel="tokens per review", ylabel="reviews")
    axis.set_title(f"sequence_length = {sequence_length} keeps {kept:.1%} of reviews whole")
    figure.tight_layout()
    return figure


def label_balance(parts: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Reviews per label and split, with the positive share."""
    table = pd.DataFrame(
        {name: part["label"].value_counts().sort_index() for name, part in parts.items()}
    ).T.rename(columns={0: "negative", 1: "positive"})
    table["positive_share"] = (table["positive"] / table.sum(axis=1)).round(4)
    return table


def series_figure(parts: Mapping[str, pd.DataFrame]) -> Any:
    """The temperature series coloured by split part, with the cut dates marked and named."""
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(10, 3.5))
    for (name, part), colour in zip(parts.items(), ("#4c72b0", "#dd8452", "#55a868"), strict=False):
        axis.plot(part["date"], part["temp_c"], linewidth=0.6, color=colour, label=name)
    for part in list(parts.values())[1:]:
        cut = part["date"].min()
        axis.axvline(cut, color="black", linewidth=0.8, linestyle="--")
        axis.annotate(f"{cut.date()}", (cut, axis.get_ylim()[1]), fontsize=8, ha="left", va="top")
    axis.set(ylabel="°C")
    axis.legend(loc="lower left")
    figure.tight_layout()
    return figure


def character_table(corpus: str) -> pd.DataFrame:
    """Each character of the corpus, how often it occurs and its share, most frequent first."""
    counts = pd.Series(list(corpus)).value_counts()
    table = pd.DataFrame({"character": [repr(c) for c in counts.index], "count": counts.to_numpy()})
    table["share"] = (table["count"] / len(corpus)).round(5)
    return table


def validation_summary(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per expectation of a validation report: the rule, whether it held, what was observed."""
    rows = [
        {
            "rule": item["description"],
            "success": item["success"],
            "observed": item.get("observed_value"),
            "unexpected": item.get("unexpected_count"),
        }
        for item in report["expectations"]
    ]
    return pd.DataFrame(rows)


# ---- 02: runs in MLflow ----
def mlflow_client(context: Any) -> Any:
    """An MLflow client on the project's store: the tracking URI ``mlflow.yml`` resolves for the
    Kedro context (kedro-mlflow's configuration)."""
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=context.mlflow.server.mlflow_tracking_uri)


def pipeline_runs(client: Any, pipeline: str, experiment: str = "rnn-pipelines") -> pd.DataFrame:
    """Every finished parent run of ``pipeline`` (newest first): id, start, env, command, fingerprints."""
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise MissingOutput(
            f"No MLflow experiment '{experiment}' yet: {SMOKE_HINT.format(pipeline=pipeline)}."
        )
    runs = client.search_runs(
        [found.experiment_id],
        filter_string=f"tags.pipeline_names = \"['{pipeline}']\" and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
    )
    if not runs:
        raise MissingOutput(
            f"No finished {pipeline} run in MLflow yet: {SMOKE_HINT.format(pipeline=pipeline)}."
        )
    return pd.DataFrame(
        [
            {
                "run_id": run.info.run_id,
                "started": pd.Timestamp(run.info.start_time, unit="ms", tz="UTC"),
                "env": run.data.tags.get("env"),
                "command": run.data.tags.get("kedro_command"),
                **{k: v for k, v in run.data.tags.items() if k.endswith("sha256") or k == "git_commit"},
            }
            for run in runs
        ]
    )


def variant_runs(client: Any, parent_run_id: str) -> pd.DataFrame:
    """The nested runs of one parent: variant, kind and final metrics, one row each."""
    parent = client.get_run(parent_run_id)
    children = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}'"
    )
    rows = [
        {"variant": run.info.run_name, "kind": run.data.tags.get("kind"), "run_id": run.info.run_id}
        | run.data.metrics
        for run in children
    ]
    return pd.DataFrame(rows).sort_values("variant").reset_index(drop=True)


def learning_curves(client: Any, variants: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per-epoch history of ``metric`` (e.g. ``val_loss``) for every variant that logged one."""
    rows = [
        {"variant": row.variant, "epoch": point.step + 1, metric: point.value}
        for row in variants.itertuples()
        for point in client.get_metric_history(row.run_id, metric)
    ]
    return pd.DataFrame(rows, columns=["variant", "epoch", metric])


def curves_figure(curves: pd.DataFrame, metric: str) -> Any:
    """The variants' ``metric`` per epoch, overlaid."""
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4))
    for variant, curve in curves.groupby("variant"):
        axis.plot(curve["epoch"], curve[metric], marker="o", label=variant)
    axis.set(xlabel="epoch", ylabel=metric)
    axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def tradeoff_figure(variants: pd.DataFrame, score: str) -> Any:
    """``score`` against training time, bubble area by parameter count (rows without them are skipped)."""
    import matplotlib.pyplot as plt

    shown = variants.dropna(subset=[score, "train_seconds"])
    figure, axis = plt.subplots(figsize=(8, 4))
    sizes = 20 + 400 * shown["parameters"].fillna(0) / max(float(shown["parameters"].max() or 1), 1.0)
    axis.scatter(shown["train_seconds"], shown[score], s=sizes, alpha=0.5)
    for row in shown.itertuples():
        axis.annotate(row.variant, (row.train_seconds, getattr(row, score)), fontsize=8)
    axis.set(xlabel="training seconds", ylabel=score, title="bubble area: parameters")
    figure.tight_layout()
    return figure


def blessing_history(client: Any, runs: pd.DataFrame, pipeline: str) -> pd.DataFrame:
    """Each run's blessing, oldest first: its candidate and score (the domain's blessing criterion),
    the champion's score then, whether the candidate replaced it, the improvement and why.
    ``runs`` comes from ``pipeline_runs``."""
    import importlib

    criterion = importlib.import_module(f"rnn_pipelines.pipelines.{pipeline}").DOMAIN.blessing
    rows = []
    for run in runs.sort_values("started").itertuples():
        try:
            path = client.download_artifacts(run.run_id, "export/blessing.json")
        except Exception:  # a run stopped before its blessing (MLflow raises its own error types)
            logger.info("Run %s logged no blessing", run.run_id)
            continue
        blessing = json.loads(Path(path).read_text(encoding="utf-8"))
        rows.append(
            {
                "started": run.started,
                "candidate": blessing["record"].get("variant"),
                criterion.column: blessing["record"].get(criterion.column),
                "champion_then": blessing.get("champion_score"),
                "replaced": bool(blessing.get("blessed")),
                "reason": blessing.get("reason"),
            }
        )
    table = pd.DataFrame(rows)
    if not table.empty:
        sign = 1 if criterion.higher_is_better else -1
        table["improvement"] = sign * (table[criterion.column] - table["champion_then"])
    return table


def fingerprint_changes(runs: pd.DataFrame, newer: int = 0, older: int = 1) -> pd.DataFrame:
    """The fingerprints (data sha256s, git commit) that differ between two runs of ``pipeline_runs``
    (by position, newest first); empty when nothing changed or there is only one run."""
    if len(runs) <= max(newer, older):
        return pd.DataFrame(columns=["fingerprint", "older", "newer"])
    keys = [c for c in runs.columns if c.endswith("sha256") or c == "git_commit"]
    a, b = runs.iloc[older], runs.iloc[newer]
    changed = [{"fingerprint": k, "older": a[k], "newer": b[k]} for k in keys if a[k] != b[k]]
    return pd.DataFrame(changed, columns=["fingerprint", "older", "newer"])


# ---- 03: the memory of a review ----
def reading(model: Any, tokenizer: Mapping[str, Any], review: str) -> tuple[list[str], np.ndarray]:
    """A trained variant reading ``review``: its tokens (as the tokenizer maps them) and P(positive)
    after each (the report's read-along, for a review the reader types)."""
    from rnn_pipelines.models import text
    from rnn_pipelines.pipelines.sentiment.report import read_prefixes

    ids = text.encode_with(dict(tokenizer), [review])
    ids = ids[0, : int(text.sequence_lengths(ids)[0])]
    vocabulary = np.asarray(tokenizer["vocabulary"], dtype=object)
    return vocabulary[ids].tolist(), read_prefixes(model, ids, int(tokenizer["sequence_length"]))


def served_reading(model_dir: Path, review: str) -> tuple[list[str], np.ndarray]:
    """An exported SavedModel (any kind: RNN or hybrid) reading ``review``: its words (split on white
    space) and P(positive) after each, from every prefix of the raw text."""
    from rnn_pipelines.serving.text_classifier import load_classifier

    words = review.split()
    classify = load_classifier(model_dir)
    prefixes = [" ".join(words[: i + 1]) for i in range(len(words))]
    return words, np.asarray(classify(prefixes), dtype=float).ravel()


def recurrent_member(catalog: Any, record: Mapping[str, Any]) -> str:
    """The variant whose recurrent layer a champion reads with: itself, or a hybrid's first RNN member."""
    if record.get("kind") != "hybrid":
        return str(record["variant"])
    blend = need(catalog, f"sentiment.{record['variant']}.blend", "sentiment")
    variants = need(catalog, "params:sentiment.variants", "sentiment")
    return next(member for member in blend["members"] if member in variants)


def recurrent_states(model: Any, tokenizer: Mapping[str, Any], review: str) -> tuple[list[str], np.ndarray]:
    """The first recurrent layer's output after each token of ``review``: ``[tokens, units]``.

    An intermediate Keras model shares the trained layers up to that recurrent layer, which is cloned
    with ``return_sequences=True`` and given the same weights (so every step's output is visible).
    """
    import keras

    from rnn_pipelines.models import text

    ids = text.encode_with(dict(tokenizer), [review])
    ids = ids[:, : int(text.sequence_lengths(ids)[0])]  # right-padded: the review's own tokens
    x = keras.Input(shape=(None,), dtype="int32")
    h = x
    for layer in model.layers:
        recurrent = layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer
        if isinstance(recurrent, keras.layers.RNN):  # LSTM, GRU, SimpleRNN
            config = layer.get_config()
            if isinstance(layer, keras.layers.Bidirectional):
                config["layer"]["config"]["return_sequences"] = True
                if config.get("backward_layer"):
                    config["backward_layer"]["config"]["return_sequences"] = True
            else:
                config["return_sequences"] = True
            clone = type(layer).from_config(config)
            states = clone(h)
            clone.set_weights(layer.get_weights())
            intermediate = keras.Model(x, states)
            vocabulary = np.asarray(tokenizer["vocabulary"], dtype=object)
            return vocabulary[ids[0]].tolist(), np.asarray(intermediate.predict(ids, verbose=0)[0])
        if isinstance(layer, keras.layers.InputLayer):
            continue
        h = layer(h)
    raise ValueError(f"'{model.name}' has no recurrent layer to read the states of.")


def memory_figure(words: Sequence[str], probabilities: np.ndarray, states: np.ndarray | None = None) -> Any:
    """P(positive) after each word, and (with ``states``) a heat map of the recurrent outputs."""
    import matplotlib.pyplot as plt

    rows = 2 if states is not None else 1
    figure, axes = plt.subplots(
        rows, 1, figsize=(max(8, 0.35 * len(words)), 3 + 3 * (rows - 1)), squeeze=False, sharex=True
    )
    axis = axes[0, 0]
    axis.plot(range(len(words)), probabilities, marker="o", color="#4c72b0")
    axis.axhline(0.5, color="grey", linewidth=0.8, linestyle="--")
    axis.set(ylim=(0, 1), ylabel="P(positive)")
    if states is not None:
        heat = axes[1, 0]
        heat.imshow(states.T, aspect="auto", cmap="coolwarm", vmin=-1, vmax=1, interpolation="nearest")
        heat.set(ylabel="unit")
    bottom = axes[-1, 0]
    bottom.set_xticks(range(len(words)))
    bottom.set_xticklabels(words, rotation=90, fontsize=8)
    figure.tight_layout()
    return figure


def moving_words(words: Sequence[str], probabilities: np.ndarray, top: int = 5) -> pd.DataFrame:
    """The words after which P(positive) moved most (up or down), with the move."""
    moves = np.diff(np.concatenate([[0.5], probabilities]))
    table = pd.DataFrame({"position": range(len(words)), "word": list(words), "move": moves.round(4)})
    return table.reindex(table["move"].abs().sort_values(ascending=False).index).head(top)


# ---- 04: forecast and generate ----
def week_forecast(model_dir: Path, daily: pd.DataFrame, start: str, days: int = 7) -> pd.DataFrame:
    """The champion's next-day forecast for each day of a week from ``start`` (each from the
    ``sequence_length`` days before it, as its ``champion.json`` records), beside persistence
    (yesterday's value) and the actual °C."""
    from rnn_pipelines.serving.forecaster import serve_windows

    windowing = json.loads((Path(model_dir) / "champion.json").read_text(encoding="utf-8"))["windowing"]
    length = int(windowing["sequence_length"])
    daily = daily.sort_values("date").reset_index(drop=True)
    first = daily.index[daily["date"] == pd.Timestamp(start)]
    if len(first) == 0 or first[0] < length or first[0] + days > len(daily):
        span = f"{daily['date'].iloc[length].date()} and {daily['date'].iloc[-days].date()}"
        raise MissingOutput(f"Pick a start date between {span}: {start} has no full window before it.")
    targets = np.arange(first[0], first[0] + days)
    steps = targets[:, None] - length + np.arange(length)
    windows = daily["temp_c"].to_numpy()[steps]
    calendar = daily["date"].dt.dayofyear.to_numpy()[steps] if windowing["calendar_features"] else None
    forecast = serve_windows(model_dir, windows, calendar)
    return pd.DataFrame(
        {
            "date": daily["date"].iloc[targets].dt.date.to_numpy(),
            "actual_c": daily["temp_c"].iloc[targets].to_numpy(),
            "forecast_c": np.asarray(forecast)[:, 0].round(2),
            "persistence_c": windows[:, -1],
        }
    )


def generations(model_dir: Path, prompt: str, settings: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Text from the exported generator for each of ``settings`` (``temperature``, ``top_k``,
    ``length``, ``seed``)."""
    from rnn_pipelines.generate import generate
    from rnn_pipelines.serving.generator import Sampling

    rows = []
    for setting in settings:
        request = Sampling(
            prompt,
            int(setting.get("length", 200)),
            float(setting.get("temperature", 0.8)),
            int(setting.get("top_k", 0)),
            int(setting.get("seed", 0)),
        )
        rows.append({**request.__dict__, "text": generate(Path(model_dir), request)})
    return pd.DataFrame(rows)
