"""Check a run's parameters against the schemas before any work starts: one error that lists every
problem with its full key path, the value, the rule broken and the file (or ``--params``) it came from."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rnn_pipelines.errors import UserError
from rnn_pipelines.schemas.models import SECTIONS, RuleError, blend_rules

MISSING = object()


class ParameterError(UserError, ValueError):
    """The run's parameters break their schema; the message lists every problem."""


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, through ``X | None``, ``dict[str, X]`` and ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        model = _inner_model(argument)
        if model is not None:
            return model
    return None


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The known keys of the model reached by ``loc`` (to suggest one for an unknown key)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        field = current.model_fields.get(str(part))
        if field is None:  # a dict key (a variant's name) or a list index: same model below
            continue
        current = _inner_model(field.annotation)
    return list(current.model_fields) if current is not None else []


def _lookup(tree: Any, path: Iterable[Any]) -> Any:
    for part in path:
        if isinstance(tree, Mapping) and part in tree:
            tree = tree[part]
        elif isinstance(tree, list) and isinstance(part, int) and part < len(tree):
            tree = tree[part]
        else:
            return MISSING
    return tree


def _sources(conf: Path, env: str | None, pattern: str = "parameters*.yml") -> list[tuple[str, Any]]:
    """The configuration files a value may come from, the last word first: the run's environment, then
    base."""
    found = []
    for folder in [env, "base"] if env and env != "base" else ["base"]:
        for file in sorted((conf / folder).glob(pattern)):
            found.append((f"{file.relative_to(conf.parent)}", yaml.safe_load(file.read_text()) or {}))
    return found


def _unflatten(runtime: Mapping[str, Any] | None) -> dict[str, Any]:
    """``--params`` as a tree (``a.b=1`` arrives as ``{"a.b": 1}`` or ``{"a": {"b": 1}}``)."""
    tree: dict[str, Any] = {}
    for key, value in (runtime or {}).items():
        *parents, last = str(key).split(".")
        node = tree
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = _unflatten(value) if isinstance(value, Mapping) else value
    return tree


def _origin(path: tuple[Any, ...], sources: list[tuple[str, Any]]) -> str:
    """The first source (``--params``, the environment's files, base's) that sets ``path``."""
    for name, tree in sources:
        if _lookup(tree, path) is not MISSING:
            return name
    return "no file: a required key"


def _issues(
    model: type[BaseModel],
    value: Any,
    prefix: tuple[Any, ...],
    read_sources: Callable[[], list[tuple[str, Any]]],
) -> list[str]:
    """One line per way ``value`` breaks ``model``: the key path below ``prefix``, the value, the rule,
    and the source that set it (an unknown key with the closest known one). The configuration files
    are read (``read_sources``) only when there is a problem to trace."""
    try:
        model.model_validate(value)
    except ValidationError as error:
        sources = read_sources()
        lines = []
        for issue in error.errors():
            loc = tuple(issue["loc"])
            rule = issue.get("ctx", {}).get("error")
            if isinstance(rule, RuleError):  # rules across fields: each at the key that breaks it
                for below, broken in rule.broken:
                    lines.append(
                        _line((*prefix, *loc, *below), _lookup(value, (*loc, *below)), broken, sources)
                    )
                continue
            path = (*prefix, *loc)
            key = ".".join(str(p) for p in path)
            if issue["type"] == "extra_forbidden":
                where = _origin(path, sources) if sources else "the parameters"
                known = _fields_at(model, loc[:-1])
                close = difflib.get_close_matches(str(loc[-1]), known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
                lines.append(f"{key}: not a known key{hint} (from {where})")
            elif issue["type"] == "missing":
                lines.append(f"{key}: a required key is missing (conf/base sets every one)")
            else:
                lines.append(
                    _line(path, issue.get("input"), issue["msg"].removeprefix("Value error, "), sources)
                )
        return lines
    return []


def _line(path: tuple[Any, ...], value: Any, rule: str, sources: list[tuple[str, Any]]) -> str:
    """``key = value: rule (from source)``."""
    where = _origin(path, sources) if sources else "the parameters"
    shown = "" if value is MISSING else f" = {value!r}"
    return f"{'.'.join(str(p) for p in path)}{shown}: {rule} (from {where})"


def blend_problems(
    model: type[BaseModel],
    blends: Mapping[str, Any] | None,
    variants: Mapping[str, Any],
    *,
    prefix: tuple[str, ...],
    field: str,
    also: tuple[str, ...] = (),
) -> tuple[dict[str, BaseModel], list[str]]:
    """A domain's blends of variants (forecasting ensembles, sentiment hybrids) checked alone, by the
    rules the run-start check applies: each spec against ``model``, then ``models.blend_rules``. For the
    nodes that check them again (a node may be called outside ``kedro run``).

    Returns:
        The valid specs as models, and one line per problem (``prefix`` is the blends' key path).
    """
    valid, lines = {}, []
    for name, spec in (blends or {}).items():
        try:
            valid[name] = model.model_validate(spec)
        except ValidationError:
            lines += _issues(model, spec, (*prefix, name), list)
    members = {name: getattr(spec, field) or [] for name, spec in valid.items()}
    for path, rule in blend_rules(members, variants, under=prefix, field=field, also=also):
        lines.append(_line(path, _lookup(blends, path[len(prefix) :]), rule, []))
    return valid, lines


def problems(
    parameters: Mapping[str, Any],
    sections: Iterable[str],
    *,
    conf: Path | None = None,
    env: str | None = None,
    runtime: Mapping[str, Any] | None = None,
) -> list[str]:
    """Every problem of ``sections`` of ``parameters``, one line each, naming the file it came from."""

    @cache
    def sources() -> list[tuple[str, Any]]:
        found = [("--params", _unflatten(runtime))] if runtime else []
        return found + (_sources(conf, env) if conf is not None else [])

    lines = []
    for section in sections:
        model = SECTIONS[section]
        value = parameters.get(section, MISSING)
        if value is MISSING:
            lines.append(f"{section}: the section is missing (expected in conf/base/parameters_*.yml)")
            continue
        lines += _issues(model, value, (section,), sources)
    return lines


def check_parameters(
    parameters: Mapping[str, Any],
    sections: Iterable[str],
    *,
    conf: Path | None = None,
    env: str | None = None,
    runtime: Mapping[str, Any] | None = None,
) -> None:
    """Raise one ``ParameterError`` listing every problem of ``sections``, or return."""
    found = problems(parameters, sections, conf=conf, env=env, runtime=runtime)
    if found:
        raise ParameterError(
            f"{len(found)} parameter problem(s); nothing was run:\n"
            + "\n".join(f"  - {line}" for line in found)
        )


def sections_of(pipeline: Any) -> list[str]:
    """The parameters sections a pipeline's nodes read: each domain's whose nodes it runs (by
    namespace), and the ingestion and validation sections of each data set it ingests (by tag)."""
    from rnn_pipelines.domains import DOMAINS

    namespaces = {(node.namespace or "").split(".")[0] for node in pipeline.nodes}
    tags = set().union(*(node.tags for node in pipeline.nodes)) if pipeline.nodes else set()
    sections = []
    for domain in DOMAINS:
        if domain.name in namespaces:
            sections.append(domain.name)
        if domain.name in namespaces or domain.data in tags:
            sections += [f"{domain.data}_ingestion", f"{domain.data}_validation"]
    return sections


def check_file_config(name: str, config: Mapping[str, Any], conf: Path, env: str | None) -> None:
    """Check ``globals`` (its ``sources``) or ``airflow`` (every DAG block) as the config loader reads it;
    ``ParameterError`` names the key, the value, the rule and the file."""
    from rnn_pipelines.schemas.models import DagSettings, Globals

    blocks = (
        {name: (Globals, config)} if name == "globals" else {k: (DagSettings, v) for k, v in config.items()}
    )
    sources = cache(lambda: _sources(conf, env, f"{name}*.yml"))
    lines = [
        f"{name}: {line}"
        for block, (model, value) in blocks.items()
        for line in _issues(model, value, () if name == "globals" else (block,), sources)
    ]
    if lines:
        raise ParameterError(
            f"{len(lines)} problem(s) in {name}.yml:\n" + "\n".join(f"  - {line}" for line in lines)
        )
