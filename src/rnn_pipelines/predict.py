"""``rnn-pipelines predict``: sentiment of raw texts from the exported champion (TensorFlow only).

rnn-pipelines predict "what a wonderful film" "a dull, lifeless mess"
rnn-pipelines predict --file reviews.txt          # one review per line; '-' reads stdin
rnn-pipelines predict --json --model path/to/savedmodel "..."
rnn-pipelines predict --model models:/rnn-pipelines-sentiment@champion "..."   # from the MLflow registry
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnn_pipelines.errors import UserError

logger = logging.getLogger(__name__)

DOMAIN = "sentiment"  # its catalog names the champion (`sentiment.champion`), candidate and blessing


class PredictError(UserError, RuntimeError):
    """A user error: no model, unreadable input, nothing to score."""


def project_catalog(project: Path, env: str | None = None) -> dict[str, Any]:
    from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

    return ProjectConfigLoader(conf_source=str(project / "conf"), env=env, **CONFIG_LOADER_ARGS)["catalog"]


def _entry(catalog: dict[str, Any], name: str) -> dict[str, Any]:
    """A dataset's configuration, resolved through the catalog's dataset factories as Kedro does."""
    from kedro.io.catalog_config_resolver import CatalogConfigResolver

    resolver = CatalogConfigResolver(
        catalog, default_runtime_patterns={"{default}": {"type": "MemoryDataset"}}
    )
    return resolver.resolve_pattern(name)


def catalog_dataset(catalog: dict[str, Any], name: str) -> Any:
    """The catalog's dataset ``name``, built as Kedro builds it (its storage under the data root)."""
    from kedro.io import AbstractDataset

    return AbstractDataset.from_config(name, _entry(catalog, name))


def champion_location(project: Path, domain: str = DOMAIN, catalog: dict[str, Any] | None = None) -> str:
    """Where the project's catalog keeps ``domain``'s champion (``<domain>.champion``'s ``path``: a folder
    under the data root, local or a URL)."""
    return _entry(catalog or project_catalog(project), f"{domain}.champion")["path"]


def why_no_champion(project: Path, domain: str, catalog: dict[str, Any] | None = None) -> str:
    """Why ``domain`` has no champion (the last blessing's reason) and what to use instead."""
    catalog = catalog or project_catalog(project)
    message = f"No {domain} champion at '{champion_location(project, domain, catalog)}'"
    blessing = catalog_dataset(catalog, f"{domain}.blessing")
    if not blessing.exists():
        return (
            f"{message}: no run has exported one yet. Train and export one with "
            f"`kedro run --pipelines={domain}`, or pass --model PATH."
        )
    reason = blessing.load().get("reason", "no reason recorded")
    candidate = catalog_dataset(catalog, f"{domain}.candidate_model")
    hint = ""
    if candidate.exists():
        folder = Path(candidate.load())
        shown = folder.relative_to(project) if folder.is_relative_to(project) else folder
        hint = f" Its exported candidate is at '{shown}': pass `--model {shown}` to use it."
    return f"{message}: the last run kept none ({reason}).{hint}"


def project_model_dir(domain: str) -> Path:
    """A local folder of the champion of the project the command runs in (found from the working
    directory), wherever its data root keeps it (a copy in the local cache when it is remote).

    Raises:
        PredictError: Not inside the project, or the project has no champion (the message says why,
            and how to use the last run's exported candidate instead).
    """
    from kedro.utils import find_kedro_project

    project = find_kedro_project(Path.cwd())
    if project is None:
        raise PredictError("Not inside the rnn-pipelines project: run from it or pass --model PATH.")
    catalog = project_catalog(project)
    record = catalog_dataset(catalog, f"{domain}.champion").load()
    if not record:
        raise PredictError(why_no_champion(project, domain, catalog))
    return Path(record["path"])


def registered_model_dir(uri: str) -> Path:
    """A local folder of the SavedModel inside a registered MLflow model (``models:/<name>@<alias>`` or
    ``models:/<name>/<version>``), from the tracking server ``MLFLOW_TRACKING_URI`` names (or the project's
    own store), cached per model version.

    Raises:
        PredictError: The model, version or alias does not exist, or holds no SavedModel.
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    from rnn_pipelines.datasets import storage

    name, _, rest = uri.removeprefix("models:/").partition("/")
    name, _, alias = name.partition("@")
    client = mlflow.MlflowClient(tracking_uri=_tracking_uri())
    try:
        version = client.get_model_version_by_alias(name, alias).version if alias else rest
        if not version:
            raise PredictError(f"'{uri}': name a version or an alias (models:/NAME@champion).")
        folder = storage.cache_root() / "registry" / name / str(version)
        if not (folder / "saved_model" / "saved_model.pb").exists():
            scratch = storage.scratch_folder("registry")
            try:
                mlflow.artifacts.download_artifacts(
                    artifact_uri=f"models:/{name}/{version}",
                    dst_path=str(scratch),
                    tracking_uri=_tracking_uri(),
                )
                flavor = mlflow.models.Model.load(str(scratch)).flavors["python_function"]
                inside = flavor.get("artifacts", {}).get("saved_model", {}).get("path")
                if not inside:
                    raise PredictError(f"'{uri}' (version {version}) holds no SavedModel to serve.")
                storage.keep_local_folder(scratch / inside, folder / "saved_model")
            finally:
                storage.remove(str(scratch))
    except MlflowException as error:
        raise PredictError(f"'{uri}': {error.message.splitlines()[0]}") from None
    logger.info("Using %s (version %s) from the MLflow Model Registry", uri, version)
    return folder / "saved_model"


def _tracking_uri() -> str | None:
    """``MLFLOW_TRACKING_URI``, else the tracking URI of the project the command runs in, else MLflow's."""
    import os

    from kedro.utils import find_kedro_project

    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    project = find_kedro_project(Path.cwd())
    if project is None:
        return None
    from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

    loader = ProjectConfigLoader(conf_source=str(project / "conf"), **CONFIG_LOADER_ARGS)
    return loader["mlflow"]["server"]["mlflow_tracking_uri"]


def model_dir(spec: str | None, domain: str) -> Path:
    """The SavedModel a command serves: ``--model`` as given (a folder, or ``models:/NAME@ALIAS``), else
    the project's champion."""
    if spec is None:
        return project_model_dir(domain)
    if str(spec).startswith("models:/"):
        return registered_model_dir(str(spec))
    return Path(spec)


def read_texts(texts: Sequence[str], files: Sequence[str]) -> list[str]:
    """The texts to score: arguments first, then every non-blank line of each file (``-``: stdin)."""
    collected = list(texts)
    for name in files:
        if name == "-":
            lines = sys.stdin.read().splitlines()
        else:
            path = Path(name)
            if not path.is_file():
                raise PredictError(f"Input file '{path}' does not exist.")
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError as error:
                raise PredictError(f"Input file '{path}' is not UTF-8 text ({error}).") from error
        collected += [line for line in lines if line.strip()]
    if not collected:
        raise PredictError("Nothing to score: give texts as arguments or --file FILE (one review per line).")
    return collected


def predict(model_dir: Path, texts: list[str], threshold: float = 0.5) -> list[dict[str, Any]]:
    """Score ``texts`` with the SavedModel's ``serve`` signature: label and positive probability each."""
    if not (model_dir / "saved_model.pb").exists():
        raise PredictError(
            f"No exported sentiment model at '{model_dir}'. Train and export one with "
            "`kedro run --pipelines=sentiment`, or pass --model PATH."
        )
    from rnn_pipelines.serving.text_classifier import serve_texts

    probabilities = serve_texts(model_dir, texts)
    return [
        {"label": "positive" if p >= threshold else "negative", "probability": round(float(p), 6), "text": t}
        for t, p in zip(texts, probabilities, strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """``rnn-pipelines predict`` on ``argv``; returns the exit code (0, or 2 for a mistake)."""
    from rnn_pipelines.cli import invoke, predict

    return invoke(predict, argv, "rnn-pipelines predict")
