"""Shared by the accuracy benchmarks: run (or reuse) one full default pipeline, and save the figures."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # deploy/: the working copy (and the team's services) the benchmarks run in

from deploy.project import copy_configuration  # noqa: E402


def run_or_reuse(
    doc: str,
    pipeline: str,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
    params: Callable[[argparse.Namespace], dict[str, str]] | None = None,
    scratch: Callable[[argparse.Namespace], str | None] | None = None,
) -> tuple[Path, bool, float | None, str | None, argparse.Namespace]:
    """Parse ``--reuse``/``--project``/``--env`` (and the benchmark's own ``add_arguments``); unless
    reusing, time ``kedro run --pipelines=<pipeline>`` (with ``--params`` from ``params(args)``).

    Without ``--project``, the run is in this project, or in the scratch project ``scratch(args)`` names
    (a run on data the project is not configured for must not replace its champion).

    Returns:
        The project folder, whether the last run was reused, the run's wall seconds (or ``None``), the
        configuration environment it was asked for (``None``: the default), and the parsed arguments.
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--reuse", action="store_true", help="report the last run's outputs instead of training"
    )
    parser.add_argument("--project", type=Path, help="project folder (default: this one)")
    parser.add_argument("--env", default=None, help="Kedro configuration environment (e.g. gpu)")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args()
    name = scratch(args) if scratch else None
    project = args.project.resolve() if args.project else scratch_project(name) if name else ROOT
    if args.reuse:
        return project, True, None, args.env, args
    env = {**os.environ, "DO_NOT_TRACK": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    start = time.perf_counter()
    command = [sys.executable, "-m", "kedro", "run", f"--pipelines={pipeline}"]
    if args.env:
        command.append(f"--env={args.env}")
    extra = params(args) if params else {}
    if any(isinstance(value, list) for value in extra.values()):
        _run_in_process(project, pipeline, args.env, extra)  # --params cannot carry a list
    else:
        if extra:
            command.append("--params=" + ",".join(f"{key}={value}" for key, value in extra.items()))
        subprocess.run(command, cwd=project, env=env, check=True)
    return project, False, round(time.perf_counter() - start, 1), args.env, args


def scratch_project(name: str) -> Path:
    """``data/08_reporting/benchmarks/projects/<name>``: this project's conf/ (without local) and
    pyproject with a data/ folder and MLflow store of its own, so a benchmark on another data source
    leaves this project's champion, registered model and runs untouched. Its data is kept from one run
    to the next (``--reuse`` reads it); conf/ is copied afresh each time."""
    project = copy_configuration(ROOT / "data/08_reporting/benchmarks/projects" / name)
    print(f"a run on another data source: in the scratch project {project}")
    return project


def _run_in_process(project: Path, pipeline: str, env: str | None, dotted: dict[str, Any]) -> None:
    """``kedro run --pipelines=<pipeline>`` in this process, with ``dotted`` (``a.b: value``) as its runtime
    parameters, nested as ``--params`` would nest them."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    nested: dict[str, Any] = {}
    for key, value in dotted.items():
        *parents, leaf = key.split(".")
        node = nested
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value.strip('"') if isinstance(value, str) else value
    os.environ["DO_NOT_TRACK"] = "1"
    bootstrap_project(project)
    os.chdir(project)
    with KedroSession.create(project_path=project, env=env, runtime_params=nested) as session:
        session.run(pipeline_names=[pipeline])


def save_figures(name: str, reused: bool, run_seconds: float | None, **figures: Any) -> Path:
    """Write ``data/08_reporting/benchmarks/<name>.json`` with a timestamp; returns its path."""
    out = ROOT / f"data/08_reporting/benchmarks/{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reused_previous_run": reused,
        "run_seconds": run_seconds,
        **figures,
    }
    out.write_text(json.dumps(payload, indent=2))
    print(f"-> {out}")
    return out
