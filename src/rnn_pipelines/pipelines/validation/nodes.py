"""Validation nodes: run a data set's suite, write its report, and stop the run when it fails.

Each data set passes through two nodes: ``validate_*`` returns the report (JSON-ready dict and HTML),
which Kedro saves whatever the outcome, then ``enforce_validation`` raises on failure. Everything
downstream consumes the enforced output, so a failed validation writes nothing past the report.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

import pandas as pd

from rnn_pipelines.errors import UserError
from rnn_pipelines.pipelines.validation import suites

logger = logging.getLogger(__name__)

EXAMPLES = 5  # offending rows kept per failed expectation
_MAX_VALUE_CHARS = 120


class DataValidationError(UserError, ValueError):
    """Raised when a data set fails its expectation suite; the message lists every failure."""


def _printable(value: Any) -> Any:
    """Make a value JSON-safe and short: long texts cut, timestamps and other objects as text."""
    if isinstance(value, str):
        return value if len(value) <= _MAX_VALUE_CHARS else value[: _MAX_VALUE_CHARS - 1] + "…"
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _observed(outcome: dict[str, Any]) -> Any:
    # Set-containment expectations report what is missing instead of an observed value.
    if outcome.get("observed_value") is None and "partial_missing_list" in outcome:
        missing = outcome["partial_missing_list"]
        return f"missing: {missing}" if missing else "all present"
    return outcome.get("observed_value")


def _summarise(result: dict[str, Any]) -> dict[str, Any]:
    outcome = result["result"]
    exception = result.get("exception_info") or {}
    config = result["expectation_config"]
    kwargs = {k: v for k, v in config["kwargs"].items() if k != "batch_id"}
    return _printable(
        {
            "expectation": config["type"],
            "description": config.get("description") or config["type"],
            "success": bool(result["success"]),
            "kwargs": kwargs,
            "observed_value": _observed(outcome),
            "element_count": outcome.get("element_count"),
            "unexpected_count": outcome.get("unexpected_count"),
            "unexpected_percent": outcome.get("unexpected_percent"),
            "examples": (outcome.get("partial_unexpected_index_list") or [])[:EXAMPLES],
            "error": exception.get("exception_message") if exception.get("raised_exception") else None,
        }
    )


def run_suite(
    suite_name: str, frame: pd.DataFrame, expectations: list[Any], index_columns: list[str]
) -> dict[str, Any]:
    """Validate ``frame`` against ``expectations`` in an ephemeral Great Expectations context.

    Returns:
        A JSON-ready report: ``suite``, ``success``, ``rows``, ``statistics`` and one entry per
        expectation with its outcome and up to five offending rows (named by ``index_columns``).
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    asset = context.data_sources.add_pandas(suite_name).add_dataframe_asset(suite_name)
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=suite_name, expectations=expectations)
    result = batch.validate(
        suite,
        result_format={
            "result_format": "SUMMARY",
            "unexpected_index_column_names": index_columns,
            "partial_unexpected_count": EXAMPLES,
        },
    ).to_json_dict()
    report = {
        "suite": suite_name,
        "success": bool(result["success"]),
        "rows": len(frame),
        "validated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "great_expectations_version": gx.__version__,
        "statistics": result["statistics"],
        "expectations": [_summarise(r) for r in result["results"]],
    }
    failed = report["statistics"]["unsuccessful_expectations"]
    log = logger.info if report["success"] else logger.error
    log("Validation of %s: %d rows, %d expectation(s) failed", suite_name, len(frame), failed)
    return report


def render_report(report: dict[str, Any]) -> str:
    """Render a validation report as a standalone HTML page."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(
        files(__package__).joinpath("templates/validation_report.html.j2").read_text("utf-8")
    )
    return template.render(report=report)


def validate_imdb_reviews(reviews: pd.DataFrame, rules: dict[str, Any]) -> tuple[dict, str]:
    """Validate the typed IMDB table; returns the report as a dict (JSON) and as HTML."""
    report = run_suite(
        "imdb_reviews", suites.imdb_frame(reviews), suites.imdb_expectations(rules), ["review_id"]
    )
    return report, render_report(report)


def validate_corpus(corpus: str, rules: dict[str, Any]) -> tuple[dict, str]:
    """Validate the text corpus line by line; returns the report as a dict (JSON) and as HTML."""
    report = run_suite(
        "text_corpus", suites.corpus_frame(corpus), suites.corpus_expectations(rules), ["line"]
    )
    return report, render_report(report)


PLAUSIBLE_SHARE = 0.99  # another unit is suggested when it makes this share of the values plausible


def unit_hint(temp_c: pd.Series, rules: dict[str, Any]) -> str | None:
    """When the values break the plausible range but would fit it in another unit: which one to set."""
    from rnn_pipelines.pipelines.ingestion.nodes import UNITS, from_celsius, to_celsius

    configured = rules.get("unit", "celsius")
    raw = from_celsius(temp_c.dropna(), configured)  # the file's values, as read
    if raw.empty:
        return None
    for unit in (u for u in UNITS if u != configured):
        converted = to_celsius(raw, unit)
        share = float(converted.between(rules["min_celsius"], rules["max_celsius"]).mean())
        if share >= PLAUSIBLE_SHARE:
            return (
                f"the values fit {unit} ({share:.1%} plausible once converted, "
                f"{converted.min():.1f} to {converted.max():.1f} °C): set temperatures_ingestion.unit: {unit}"
            )
    return None


def validate_temperatures(series: pd.DataFrame, rules: dict[str, Any]) -> tuple[dict, str]:
    """Validate the daily temperature series; returns the report as a dict (JSON) and as HTML. A broken
    plausible range that another unit would satisfy carries a ``hint`` naming the unit to set."""
    from rnn_pipelines.models.series import covariate_columns

    features = covariate_columns(series)
    report = run_suite(
        "temperatures",
        suites.temperature_frame(series),
        [*suites.temperature_expectations(rules), *suites.feature_expectations(features, rules)],
        ["source_row"],
    )
    for item in report["expectations"]:
        plausible = item["kwargs"].get("column") == "temp_c" and "min_value" in item["kwargs"]
        if not item["success"] and plausible:
            hint = unit_hint(series["temp_c"], rules)
            if hint:
                item["hint"] = hint
    return report, render_report(report)


def describe_failures(report: dict[str, Any]) -> str:
    """One paragraph per failed expectation: what it guards, how many rows broke it, a few examples."""
    lines = []
    for item in report["expectations"]:
        if item["success"]:
            continue
        column = item["kwargs"].get("column")
        where = f" on column '{column}'" if column else ""
        if item["error"]:
            detail = f"could not be evaluated: {item['error']}"
        elif item["unexpected_count"] is not None:
            detail = f"{item['unexpected_count']} of {item['element_count']} rows break it"
        else:
            detail = f"observed {item['observed_value']}"
        lines.append(f"  - {item['description']} [{item['expectation']}{where}]: {detail}")
        lines.extend(f"      e.g. {example}" for example in item["examples"])
        if item.get("hint"):
            lines.append(f"      hint: {item['hint']}")
    return "\n".join(lines)


def report_location(suite: str) -> str:
    """Where the run's catalog writes the HTML report of ``suite``: under its data root (a bucket's URL on
    a team's set-up), or ``data/`` outside a run."""
    from rnn_pipelines.datasets import storage
    from rnn_pipelines.hooks import active_config_loader

    loader = active_config_loader()
    root = str(loader["globals"].get("data_root") or "data") if loader is not None else "data"
    return storage.join(root, "08_reporting", "validation", f"{suite}.html")


def enforce_validation(data: Any, report: dict[str, Any]) -> Any:
    """Pass ``data`` through when its report succeeded; otherwise stop the run.

    Raises:
        DataValidationError: Lists each failed expectation with up to five offending rows.
    """
    if report["success"]:
        return data
    stats = report["statistics"]
    raise DataValidationError(
        f"Data validation failed for '{report['suite']}': {stats['unsuccessful_expectations']} of "
        f"{stats['evaluated_expectations']} expectations failed; nothing downstream was written. "
        f"The full report is in {report_location(report['suite'])}\n" + describe_failures(report)
    )
