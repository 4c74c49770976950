"""What a domain declares to the skeleton: its nodes, the scores that select and bless, its baselines.

Catalog names follow one rule: ``<domain>.<role>`` (``sentiment.comparison``), and
``<domain>.<row>.<role>`` for a variant's or another row's own (``sentiment.lstm.model``). Inside a
variant's template (``train``, ``evaluate``) the outputs ``model``, ``history``, ``training_summary``,
``metrics`` and ``scores`` are the variant's own (``<domain>.<variant>.model`` ...) and ``params:spec``
is its spec (``params:<domain>.variants.<variant>``); every other input is shared.

Steps after selection may read these names, which the skeleton provides:

- ``<domain>.best_variant``: the selected candidate's row (``nodes.select``);
- ``<domain>.selected_model``: the selected candidate's model(s) alone (``SelectedModelDataset``);
- ``{variants}.history`` / ``{candidates}.metrics``: one input per variant (``history_<v>``) or per
  candidate row, variants and extra candidates such as hybrids (``metrics_<v>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kedro.pipeline import Pipeline

TRAINED = ["model", "history", "training_summary"]  # what a variant's ``train`` step outputs
Inputs = str | list[str] | dict[str, str] | None
Outputs = str | list[str] | None


@dataclass(frozen=True)
class Step:
    """A domain's node before the skeleton places it: function, inputs, outputs, node name."""

    func: Callable[..., Any]
    inputs: Inputs
    outputs: Outputs
    name: str


@dataclass(frozen=True)
class Criterion:
    """A comparison column and its direction; ``label`` and ``fmt`` say it in a sentence."""

    column: str
    higher_is_better: bool
    label: str = ""
    fmt: str = "{:.4f}"


@dataclass(frozen=True)
class Rows:
    """Rows of the comparison besides the variants: baselines, challengers, hybrids.

    Attributes:
        pipeline: Trains and scores them; its nodes are in the domain's namespace or a row's
            (``<domain>.<row>``).
        metrics: The comparison's extra inputs (input name → catalog name): one scorecard, or a dict of
            scorecards (``{name: scorecard}``).
        candidates: Rows that may be selected besides the variants (hybrids), with their ``mlflow_run``.
    """

    pipeline: Pipeline = field(default_factory=lambda: Pipeline([]))
    metrics: Mapping[str, str] = field(default_factory=dict)
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    """A domain's declaration.

    Attributes:
        name: The domain (``rnn_pipelines.domains``).
        prepare: From the validated data set to the model inputs (split, tokenize or scale, encode or
            window).
        check: Checks every variant before training; outputs ``<domain>.variant_checks``.
        train: One variant's training (outputs ``model``, ``history``, ``training_summary``).
        evaluate: Its scoring (outputs ``metrics``, optionally ``scores``).
        curves: The per-epoch metrics its nested MLflow run plots (``loss`` and the domain's metric).
        run_figures: ``(variant, metrics) -> {name: figure}``: more plots for its nested MLflow run.
        rows: ``(variants, parameters) -> Rows``: the comparison's other rows.
        selection: The validation column that orders the comparison and selects.
        selected_columns: Columns of the selected row copied into ``best_variant``.
        describe_selection: ``(comparison, best row) -> dict``: more of ``best_variant`` (how it compares).
        candidate_kinds: The ``kind`` of rows that may be selected.
        blessing: The column the blessing compares with the champion's.
        must_beat: ``(comparison, export options) -> {rival: score}``: rows the candidate must beat.
        report: Steps after selection: report, samples, read-along...; they read ``<domain>.best_variant``.
        provenance: Outputs ``<domain>.provenance``: what the run read, computed once (sha256, git commit).
        export: Outputs ``<domain>.candidate_model`` from ``<domain>.selected_model``.
        verify: Outputs ``<domain>.export_check``: the export served in a fresh process vs in memory.
        checks: More checks of the export (behaviour), run before the blessing.
        champion_scored_on: The provenance key naming the data the blessing scores on; a champion
            scored on other data is re-scored.
        rescore: ``(champion_dir, **rescore_inputs) -> score`` of a champion on this run's data.
        rescore_inputs: Its inputs (keyword → catalog name).
        champion_record: ``(best, comparison, **record_inputs) -> dict``: more of ``champion.json``.
        record_inputs: Its inputs (keyword → catalog name).
    """

    name: str
    prepare: tuple[Step, ...]
    check: Step
    train: Step
    evaluate: Step
    curves: tuple[str, ...]
    selection: Criterion
    selected_columns: tuple[str, ...]
    blessing: Criterion
    provenance: Step
    export: Step
    verify: Step
    champion_scored_on: str
    rescore: Callable[..., float]
    rescore_inputs: Mapping[str, str] = field(default_factory=dict)
    rows: Callable[[list[str], Mapping[str, Any]], Rows] = lambda variants, parameters: Rows()
    describe_selection: Callable[..., dict[str, Any]] = lambda comparison, best: {}
    candidate_kinds: tuple[str, ...] = ("rnn",)
    must_beat: Callable[..., dict[str, float]] = lambda comparison, options: {}
    report: Callable[[list[str], Mapping[str, Any]], tuple[Step, ...]] = lambda variants, parameters: ()
    checks: tuple[Step, ...] = ()
    champion_record: Callable[..., dict[str, Any]] = lambda best, comparison, **inputs: {}
    record_inputs: Mapping[str, str] = field(default_factory=dict)
    run_figures: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
