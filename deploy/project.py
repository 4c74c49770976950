"""A working copy of the project without its code (the package is installed): what a worker, a test or a
benchmark runs ``kedro`` in. Used by ``tests/integration``, ``benchmarks/`` and the local cluster."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_configuration(project: Path) -> Path:
    """Put this checkout's ``conf/`` (with an empty ``conf/local``: no machine's own settings),
    ``pyproject.toml`` and ``.telemetry`` (the opt-out) in ``project``, and the ``src/`` folder Kedro looks
    for; an earlier ``conf/`` there is replaced, anything else (``data/``) is kept. Returns ``project``."""
    (project / "src").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(project / "conf", ignore_errors=True)
    shutil.copytree(ROOT / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    (project / "conf" / "local").mkdir()
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(ROOT / name, project / name)
    return project
