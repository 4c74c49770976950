"""Pydantic models of every parameters section: types, ranges, known values, cross-field rules.

Each model forbids unknown keys, so a typo (``epoch:``, ``early_stoping_patience:``) is an error rather
than a setting silently ignored. A variant's ``layers`` are checked against Keras by
``models.builder.check_variants`` (the layers' arguments are Keras's, not ours).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

NonNegativeInt = Annotated[int, Field(ge=0)]
Fraction = Annotated[float, Field(gt=0, lt=1)]


KeyPath = tuple[str | int, ...]


class RuleError(ValueError):
    """Rules across fields broken at keys below the model that checks them: the parameter errors name
    each key (not the whole section), its value and the file that set it."""

    def __init__(self, *broken: tuple[KeyPath, str]) -> None:
        self.broken = list(broken)
        super().__init__("; ".join(f"{'.'.join(map(str, path))}: {rule}" for path, rule in broken))


def raise_broken(*broken: tuple[KeyPath, str]) -> None:
    """Raise a ``RuleError`` of ``broken`` (``(key path, rule)`` pairs), if there is any."""
    if broken:
        raise RuleError(*broken)


# Baselines a sentiment hybrid may blend beside its variants (the SavedModel computes their features).
HYBRID_BASELINES = ("nbsvm",)


def blend_rules(
    blends: Mapping[str, Sequence[str]],
    variants: Collection[str],
    *,
    under: KeyPath,
    field: str,
    also: Sequence[str] = (),
) -> list[tuple[KeyPath, str]]:
    """The rules of a blend of variants (a forecasting ensemble, a sentiment hybrid) beyond its own shape:
    its name is not a variant's, and its members (``field``) are different variants or ``also``.

    Returns:
        ``(key path, rule)`` for every rule broken; the blends are at the key path ``under``.
    """
    known = [*sorted(variants), *also]
    broken: list[tuple[KeyPath, str]] = []
    for name, members in blends.items():
        if name in variants:
            broken.append(((*under, name), "the name is already a variant's; rename one of them"))
        unknown = [m for m in members if m not in variants and m not in also]
        if unknown:
            broken.append(
                (
                    (*under, name, field),
                    f"{unknown} are not {' or '.join(['variants', *also])} ({', '.join(known)})",
                )
            )
        repeated = sorted({m for m in members if list(members).count(m) > 1})
        if repeated:
            broken.append(
                ((*under, name, field), f"{repeated} named more than once: two or more different members")
            )
    return broken


class Section(BaseModel):
    """A parameters section: every key known, values as typed."""

    model_config = ConfigDict(extra="forbid", strict=False)


class Training(Section):
    """``<domain>.training``: the training loop's settings (a variant's ``training`` overrides them)."""

    epochs: PositiveInt
    batch_size: PositiveInt
    learning_rate: PositiveFloat
    early_stopping_patience: NonNegativeInt
    seed: int
    mixed_precision: bool = False
    distribution: Literal["default", "mirrored"] = "default"
    checkpoint_dir: str
    evaluation_batch_size: PositiveInt | None = None
    bucket_width: NonNegativeInt | None = None
    clipnorm: PositiveFloat | None = None
    time_budget_minutes: PositiveFloat | None = None


class TrainingOverrides(Section):
    """A variant's ``training``: any training setting but the run-wide ones (checkpoints, devices)."""

    epochs: PositiveInt | None = None
    batch_size: PositiveInt | None = None
    learning_rate: PositiveFloat | None = None
    early_stopping_patience: NonNegativeInt | None = None
    seed: int | None = None
    evaluation_batch_size: PositiveInt | None = None
    bucket_width: NonNegativeInt | None = None
    clipnorm: PositiveFloat | None = None
    time_budget_minutes: PositiveFloat | None = None


class Variant(Section):
    """One variant: its Keras ``layers`` (checked against Keras before training) and ``training``."""

    layers: Annotated[list[dict[str, Any]], Field(min_length=1)]
    training: TrainingOverrides | None = None


Variants = dict[str, Variant]
Shrink = dict[str, PositiveInt]  # conf/smoke's caps on layer arguments


def _known_variant(variants: dict[str, Any], name: str, path: KeyPath) -> list[tuple[KeyPath, str]]:
    if name in variants:
        return []
    return [(path, f"'{name}' is not a variant (variants: {', '.join(variants)})")]


# ---- sentiment ----
class SentimentSplit(Section):
    validation_size: Fraction
    seed: int


class SentimentTokenization(Section):
    max_tokens: Annotated[int, Field(ge=3)]  # the padding and out-of-vocabulary tokens, and a word
    sequence_length: PositiveInt
    standardize: Literal["lower_and_strip_punctuation", "lower", "strip_punctuation"] | None
    truncate: Literal["pre", "post"]


class LinearChallenger(Section):
    ngram_max: PositiveInt
    min_df: PositiveInt
    max_features: PositiveInt
    C: PositiveFloat
    max_iter: PositiveInt


class Nbsvm(Section):
    ngram_order: PositiveInt
    min_df: PositiveInt
    smoothing: PositiveFloat
    C: Annotated[list[PositiveFloat], Field(min_length=1)]
    max_iter: PositiveInt
    seed: int


class Hybrid(Section):
    blend: Annotated[list[str], Field(min_length=2)]


class Blending(Section):
    C: PositiveFloat
    folds: Annotated[int, Field(ge=2)]
    seed: int


class ReadAlong(Section):
    variant: str
    reviews: PositiveInt
    max_words: PositiveInt
    seed: int


class SentimentReport(Section):
    read_along: ReadAlong


class SentimentExport(Section):
    test_reviews: PositiveInt
    long_review_words: PositiveInt
    atol: PositiveFloat
    require_beating_linear: bool


class Sentiment(Section):
    split: SentimentSplit
    tokenization: SentimentTokenization
    training: Training
    head: Annotated[list[dict[str, Any]], Field(min_length=1)]
    linear_challenger: LinearChallenger
    nbsvm: Nbsvm
    hybrids: dict[str, Hybrid] | None = None
    blending: Blending
    variants: Variants
    report: SentimentReport
    export: SentimentExport
    shrink: Shrink | None = None

    @model_validator(mode="after")
    def _names(self) -> Sentiment:
        blends = {name: hybrid.blend for name, hybrid in (self.hybrids or {}).items()}
        raise_broken(
            *_known_variant(
                self.variants, self.report.read_along.variant, ("report", "read_along", "variant")
            ),
            *blend_rules(blends, self.variants, under=("hybrids",), field="blend", also=HYBRID_BASELINES),
        )
        return self


# ---- forecasting ----
class SplitFractions(Section):
    train: Fraction
    validation: Fraction

    @model_validator(mode="after")
    def _sum(self) -> SplitFractions:
        if self.train + self.validation >= 1:
            raise ValueError(
                f"train + validation = {self.train + self.validation:g}: must stay below 1 (the rest is test)"
            )
        return self


class ForecastingBacktest(Section):
    folds: Annotated[int, Field(ge=2)]


class ForecastingSplit(Section):
    train_end: dt.date | None = None
    validation_end: dt.date | None = None
    whole_years: bool = True
    fractions: SplitFractions

    @model_validator(mode="after")
    def _order(self) -> ForecastingSplit:
        if self.train_end and self.validation_end and self.validation_end <= self.train_end:
            raise RuleError((("validation_end",), f"must come after train_end {self.train_end}"))
        return self


class Scaling(Section):
    method: Literal["standard", "minmax"]


class ForecastingWindowing(Section):
    sequence_length: PositiveInt
    horizon: PositiveInt
    stride: PositiveInt
    calendar_features: bool


class ForecastingBaselines(Section):
    ridge_alpha: Annotated[float, Field(ge=0)]


class ForecastingExport(Section):
    test_windows: PositiveInt
    atol: PositiveFloat


class Ensemble(Section):
    """``forecasting.ensembles.<name>``: the mean of the ``top`` variants by validation MAE, or of
    named ``members``."""

    top: Annotated[int, Field(ge=2)] | None = None
    members: Annotated[list[str], Field(min_length=2)] | None = None

    @model_validator(mode="after")
    def _one(self) -> Ensemble:
        if (self.top is None) == (self.members is None):
            raise ValueError("give exactly one of top (a number of variants) or members (their names)")
        return self


class Forecasting(Section):
    split: ForecastingSplit

    scaling: Scaling
    windowing: ForecastingWindowing
    backtest: ForecastingBacktest
    baselines: ForecastingBaselines
    training: Training
    variants: Variants
    ensembles: dict[str, Ensemble] | None = None
    export: ForecastingExport
    shrink: Shrink | None = None

    @model_validator(mode="after")
    def _names(self) -> Forecasting:
        blends = {name: ensemble.members or [] for name, ensemble in (self.ensembles or {}).items()}
        raise_broken(*blend_rules(blends, self.variants, under=("ensembles",), field="members"))
        return self


# ---- text generation ----
class TextSplit(Section):
    validation_fraction: Fraction


class TextTokenization(Section):
    level: Literal["char", "word"]
    max_tokens: Annotated[int, Field(ge=3)]


class TextWindowing(Section):
    sequence_length: PositiveInt
    stride: PositiveInt


class Sampling(Section):
    prompt: str
    length: PositiveInt
    temperatures: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1)]
    top_k: NonNegativeInt
    seed: int


class TextExport(Section):
    sample_length: PositiveInt
    score_characters: PositiveInt
    atol: PositiveFloat


class TextGeneration(Section):
    split: TextSplit
    tokenization: TextTokenization
    windowing: TextWindowing
    training: Training
    variants: Variants
    sampling: Sampling
    export: TextExport
    shrink: Shrink | None = None


# ---- ingestion and validation of each data set ----
class ImdbIngestion(Section):
    html_line_break: str
    csv_test_fraction: Fraction
    seed: int
    sample_per_group: PositiveInt | None = None


class CorpusIngestion(Section):
    max_characters: PositiveInt | None = None


class TemperaturesIngestion(Section):
    date_format: str | None = None
    unit: Literal["celsius", "fahrenheit", "kelvin"] = "celsius"
    resample: Literal["min", "mean", "max"] | None = None
    features: list[str] = []

    @field_validator("features")
    @classmethod
    def _distinct(cls, features: list[str]) -> list[str]:
        repeated = sorted({name for name in features if features.count(name) > 1})
        if repeated:
            raise ValueError(f"lists {repeated} more than once")
        return features


class ImdbValidation(Section):
    min_reviews: PositiveInt
    splits: Annotated[list[str], Field(min_length=1)]
    max_label_imbalance: Annotated[float, Field(ge=0, lt=0.5)]
    max_cross_split_duplicate_fraction: Annotated[float, Field(ge=0, le=1)]
    max_within_split_duplicate_fraction: Annotated[float, Field(ge=0, le=1)]


class CorpusValidation(Section):
    sequence_length: PositiveInt
    min_sequences: PositiveInt


class TemperaturesValidation(Section):
    min_days: PositiveInt
    min_celsius: float
    max_celsius: float
    max_gap_days: PositiveInt
    unit: Literal["celsius", "fahrenheit", "kelvin"] = "celsius"
    feature_ranges: dict[str, Annotated[list[float], Field(min_length=2, max_length=2)]] = {}

    @model_validator(mode="after")
    def _range(self) -> TemperaturesValidation:
        broken: list[tuple[KeyPath, str]] = []
        if self.min_celsius >= self.max_celsius:
            broken.append((("min_celsius",), f"must be below max_celsius {self.max_celsius}"))
        for name, (low, high) in self.feature_ranges.items():
            if low >= high:
                broken.append((("feature_ranges", name), f"{low} must be below {high}"))
        raise_broken(*broken)
        return self


# ---- globals.yml: where the data lives and where the raw data comes from ----
class CsvSeries(Section):
    filepath: str | None = None
    date_column: str
    value_column: str


class SyntheticSeries(Section):
    days: PositiveInt
    start: dt.date | str
    seed: int


class TemperatureSource(Section):
    source: Literal["melbourne", "csv", "synthetic"]
    csv: CsvSeries
    synthetic: SyntheticSeries

    @model_validator(mode="after")
    def _csv_path(self) -> TemperatureSource:
        if self.source == "csv" and not self.csv.filepath:
            raise RuleError((("csv", "filepath"), "source: csv needs csv.filepath (the station file)"))
        return self


class Sources(Section):
    imdb: str | None = None
    corpus: str | None = None
    temperatures: TemperatureSource


class Globals(BaseModel):
    """``globals.yml``: where the data lives (``data_root``, the lease of the run lock) and where the raw data
    comes from (``data_mirror``, ``sources``); other globals are free-form values."""

    model_config = ConfigDict(extra="allow")
    data_root: str = "data"
    lock_lease_seconds: Annotated[float, Field(gt=0)] = 60.0
    data_mirror: str | None = None
    sources: Sources


# ---- airflow.yml: the DAGs' settings (``default`` and a block per generated pipeline) ----
class DagSettings(Section):
    schedule: str | None = None
    start_date: list[int] | None = None
    catchup: bool | None = None
    max_active_runs: PositiveInt | None = None
    lock_wait: Annotated[float, Field(ge=0)] | None = None
    lease_seconds: Annotated[float, Field(gt=0)] | None = None
    training_queue: str | None = None
    training_pool: str | None = None
    retries: NonNegativeInt | None = None
    retry_delay: Annotated[float, Field(ge=0)] | None = None


SECTIONS: dict[str, type[Section]] = {
    "sentiment": Sentiment,
    "forecasting": Forecasting,
    "text_generation": TextGeneration,
    "imdb_ingestion": ImdbIngestion,
    "corpus_ingestion": CorpusIngestion,
    "temperatures_ingestion": TemperaturesIngestion,
    "imdb_validation": ImdbValidation,
    "corpus_validation": CorpusValidation,
    "temperatures_validation": TemperaturesValidation,
}
