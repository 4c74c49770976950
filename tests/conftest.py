"""Shared fixtures: tiny data sets made on the fly (no network, no real data) and a pipeline runner."""

from __future__ import annotations

import os
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

# (split, polarity) -> [(file id, rating, text)]; every text distinct, ratings consistent with polarity.
TINY_REVIEWS: dict[tuple[str, str], list[tuple[int, int, str]]] = {
    ("train", "pos"): [
        (0, 9, "A wonderful film.<br /><br />Loved it."),
        (1, 7, "Good fun."),
        (2, 10, "Superb!"),
    ],
    ("train", "neg"): [(0, 1, "Awful plot."), (1, 3, "Boring<br/>and long."), (2, 4, "Not great.")],
    ("test", "pos"): [(0, 8, "Moving and funny."), (1, 10, "A classic."), (2, 7, "Worth a watch.")],
    ("test", "neg"): [(0, 2, "Dreadful acting."), (1, 1, "Waste of time."), (2, 3, "Dull.")],
}


# The suite runs on two processes (pytest-xdist, ``-n 2`` in pyproject.toml). A test file runs whole on one
# of them (its tests may build on each other), and files that share a session fixture run on the same one,
# so the fixture is built once: the team's services and its smoke runs, the local sentiment smoke run, the
# tiny exported models of tests/serving.
SHARED_FIXTURES = {
    "tests/integration/test_mlflow_server.py": "team_runs",
    "tests/integration/test_model_serving.py": "team_runs",
    "tests/integration/test_notebooks.py": "team_runs",
    "tests/integration/test_team_storage.py": "team_runs",
    "tests/integration/test_mlflow_ui.py": "smoke_project",
    "tests/integration/test_run_log.py": "smoke_project",
    "tests/integration/test_sentiment_smoke.py": "smoke_project",
    "tests/serving/": "exported",
}


def group_of(nodeid: str) -> str:
    """The group a test runs in: its file, or the fixture its file shares (``SHARED_FIXTURES``)."""
    path = nodeid.split("::", 1)[0]
    return next((group for prefix, group in SHARED_FIXTURES.items() if path.startswith(prefix)), path)


@pytest.hookimpl(tryfirst=True)  # instead of xdist's own scheduling
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's per-scope scheduling with ``group_of`` as the scope (its ``--dist loadgroup`` needs a
    marker its workers do not see under pytest 9)."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return SharedFixtureScheduling(config, log)


@contextmanager
def tracking_uri(uri: str) -> Iterator[None]:
    """Point MLflow at ``uri`` for the block, then leave the process as it was: ``set_tracking_uri`` also
    exports ``MLFLOW_TRACKING_URI``, which later sessions and subprocesses would otherwise inherit."""
    import mlflow

    previous_env = os.environ.get("MLFLOW_TRACKING_URI")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous)
        if previous_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = previous_env


@pytest.fixture(autouse=True)
def _tracking_uri_left_alone() -> Iterator[None]:
    """Every test leaves ``MLFLOW_TRACKING_URI`` as it found it: a leaked value points later tests (and
    the ``mlflow`` subprocesses they start) at another project's store."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    after = os.environ.get("MLFLOW_TRACKING_URI")
    if after != before:
        if before is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = before
        pytest.fail(f"the test left MLFLOW_TRACKING_URI={after!r} (it was {before!r})", pytrace=False)


def current_version(folder: Path) -> Path:
    """The current version of a versioned model folder (a candidate or a champion under a local data root):
    ``<folder>/<version>`` as ``<folder>/current.json`` names it."""
    import json

    return folder / json.loads((folder / "current.json").read_text(encoding="utf-8"))["version"]


def write_acl_tree(root: Path, reviews: dict = TINY_REVIEWS, raw: dict[str, bytes] | None = None) -> Path:
    """Write a miniature ``aclImdb/`` folder; ``raw`` adds files with exact bytes (relative paths)."""
    base = root / "aclImdb"
    for (split, polarity), items in reviews.items():
        folder = base / split / polarity
        folder.mkdir(parents=True, exist_ok=True)
        for file_id, rating, text in items:
            (folder / f"{file_id}_{rating}.txt").write_text(text, encoding="utf-8")
    for relative, content in (raw or {}).items():
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (base / "README").write_text("miniature aclImdb for tests\n")
    return base


def write_acl_archive(root: Path, name: str = "aclImdb_v1.tar.gz", **kwargs: Any) -> Path:
    """Write a miniature aclImdb tree and pack it as a gzip tarball next to it."""
    base = write_acl_tree(root / "tree", **kwargs)
    archive = root / name
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(base, arcname="aclImdb")
    return archive


@pytest.fixture
def acl_tree(tmp_path: Path) -> Path:
    return write_acl_tree(tmp_path)


@pytest.fixture
def acl_archive(tmp_path: Path) -> Path:
    return write_acl_archive(tmp_path)


@pytest.fixture
def review_csv(tmp_path: Path) -> Path:
    rows = [
        (text, "positive" if pol == "pos" else "negative")
        for (_, pol), items in TINY_REVIEWS.items()
        for _, _, text in items
    ]
    path = tmp_path / "imdb_reviews.csv"
    pd.DataFrame(rows, columns=["review", "sentiment"]).to_csv(path, index=False)
    return path


@pytest.fixture
def temperature_csv(tmp_path: Path) -> Path:
    dates = pd.date_range("1990-01-01", periods=400, freq="D")
    frame = pd.DataFrame(
        {"Date": dates.strftime("%Y-%m-%d"), "Temp": [f"{10 + i % 7}.5" for i in range(400)]}
    )
    path = tmp_path / "temps.csv"
    frame.to_csv(path, index=False)
    return path


def run_pipeline(pipeline: Pipeline, datasets: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Run ``pipeline`` on a catalog of ``datasets`` (objects or plain data) plus ``params:<name>`` values."""
    catalog = DataCatalog(
        datasets={
            name: value if hasattr(value, "load") and hasattr(value, "save") else MemoryDataset(value)
            for name, value in datasets.items()
        }
    )
    for name, value in params.items():
        catalog[f"params:{name}"] = value
    return SequentialRunner().run(pipeline, catalog)


@pytest.fixture
def pipeline_runner() -> Callable[..., dict[str, Any]]:
    return run_pipeline


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real data mirror (``RNN_PIPELINES_DATA_MIRROR``); tests that need it skip when it is unset."""
    value = os.environ.get("RNN_PIPELINES_DATA_MIRROR")
    if not value:
        pytest.skip("RNN_PIPELINES_DATA_MIRROR is not set: real-data tests need the data mirror folder")
    path = Path(value)
    if not path.is_dir():
        pytest.fail(f"RNN_PIPELINES_DATA_MIRROR points at '{path}', which is not a folder")
    return path
