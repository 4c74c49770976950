"""The configuration reference, generated from the schemas (the README's "Parameters reference" is this
output: ``python -m rnn_pipelines.schemas`` prints it; a test keeps the two equal)."""

from __future__ import annotations

import types
import typing
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from rnn_pipelines.schemas.models import SECTIONS, DagSettings, Globals

START, END = "<!-- parameters reference: start -->", "<!-- parameters reference: end -->"


def _bounds(metadata: list[Any]) -> str:
    marks = {at.Gt: ("gt", ">"), at.Ge: ("ge", ">="), at.Lt: ("lt", "<"), at.Le: ("le", "<=")}
    parts = []
    for item in metadata:
        if isinstance(item, FieldInfo):  # Annotated[int, Field(ge=0)]
            parts.append(_bounds(item.metadata))
        for kind, (attribute, sign) in marks.items():
            if isinstance(item, kind):
                parts.append(f"{sign} {getattr(item, attribute)}")
        if isinstance(item, at.MinLen):
            parts.append(f"at least {item.min_length} item(s)")
    return ", ".join(p for p in parts if p)


NAMES = {int: "integer", float: "number", str: "text", bool: "true/false"}


def _kind(annotation: Any) -> str:
    """A readable type: ``integer > 0``, ``'pre' | 'post'``, ``list of number``, ``mapping``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        inner, *metadata = args
        bounds = _bounds(metadata)
        joined = ", " if typing.get_origin(inner) is list else " "
        text = f"{_kind(inner)}{joined}{bounds}" if bounds else _kind(inner)
    elif origin is typing.Literal:
        text = " \\| ".join(repr(a) for a in args)
    elif origin in (typing.Union, types.UnionType):
        text = " or ".join("null" if a is type(None) else _kind(a) for a in args)
    elif origin is list:
        text = f"list of {_kind(args[0])}"
    elif origin is dict:
        text = "mapping"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        text = "section"
    else:
        text = NAMES.get(annotation) or getattr(annotation, "__name__", str(annotation))
    return text


def _rows(model: type[BaseModel], prefix: str) -> list[tuple[str, str, str]]:
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if field.metadata:  # constrained types keep their bounds on the field
            annotation = typing.Annotated[annotation, *field.metadata]
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if nested is not None:
            rows += _rows(nested, f"{prefix}{name}.")
            continue
        default = "required" if field.is_required() else repr(field.default)
        rows.append((f"{prefix}{name}", _kind(annotation), default))
    return rows


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    return ["| key | type and rule | default |", "|---|---|---|"] + [
        f"| `{key}` | {kind} | {default} |" for key, kind, default in rows
    ]


def reference() -> str:
    """Every key of every parameters section, of ``globals.yml`` and of ``airflow.yml``:
    its type and rule, and whether it must be set."""
    parameters = [row for section, model in SECTIONS.items() for row in _rows(model, f"{section}.")]
    lines = [START, "", "`conf/<env>/parameters_*.yml`:", "", *_table(parameters), ""]
    lines += ["`conf/<env>/globals.yml` (where the data lives and where the raw data comes from):", ""]
    lines += [*_table(_rows(Globals, "")), ""]
    lines += ["`conf/<env>/airflow.yml` (`default`, or a block named after a generated DAG's pipeline):", ""]
    lines += [*_table(_rows(DagSettings, "default.")), "", END]
    return "\n".join(lines)
