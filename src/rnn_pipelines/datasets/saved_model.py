"""Kedro datasets for exported SavedModels: a candidate export and the blessed champion.

Both write into a hidden staging folder beside their target and move it into place only when it is
complete, so a crash mid-export never leaves a half-written model where a user or server reads it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset
from kedro.io.core import DatasetError

from rnn_pipelines.datasets.tracking import model_version_path

logger = logging.getLogger(__name__)

RECORD = "champion.json"


def _staging(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.parent / f".{target.name}.staging-{uuid.uuid4().hex[:8]}"


def _swap_into_place(staging: Path, target: Path) -> None:
    """Move the complete ``staging`` folder to ``target``; the old ``target`` is kept until it is replaced.

    Two renames on one file system: a crash between them leaves ``<target>.previous``, which
    ``_recover`` moves back, so a reader finds either the old or the new folder, never a partial one.
    """
    previous = target.with_name(f"{target.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    if target.exists():
        os.rename(target, previous)
    os.rename(staging, target)
    if previous.exists():
        shutil.rmtree(previous)


def _recover(target: Path) -> None:
    """Undo an interrupted swap and drop staging folders left by crashed exports."""
    previous = target.with_name(f"{target.name}.previous")
    if previous.exists() and not target.exists():
        logger.warning("Restoring %s from an interrupted replacement", target)
        os.rename(previous, target)
    for stale in target.parent.glob(f".{target.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


class SavedModelDataset(AbstractDataset[Any, str]):
    """Saves a ``keras.export.ExportArchive`` as a SavedModel folder; ``load`` returns the folder's path.

    The path (rather than a loaded model) is what serving and the fresh-process check need.
    """

    def __init__(self, *, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    def save(self, data: Any) -> None:
        """Write the archive to a staging folder, then move it to ``filepath``."""
        _recover(self._filepath)
        staging = _staging(self._filepath)
        try:
            data.write_out(str(staging), verbose=False)
            _swap_into_place(staging, self._filepath)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def load(self) -> str:
        """The SavedModel folder."""
        if not (self._filepath / "saved_model.pb").exists():
            raise DatasetError(f"No SavedModel at '{self._filepath}': run the export first.")
        return str(self._filepath)

    def _exists(self) -> bool:
        return (self._filepath / "saved_model.pb").exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}


class ChampionDataset(AbstractDataset[dict[str, Any], dict[str, Any]]):
    """The blessed model: a SavedModel folder at ``path`` with ``champion.json`` beside the model files.

    ``load`` returns the champion's record (``{}`` when there is none yet). ``save`` takes a blessing
    decision ``{"blessed", "reason", "record", "model_dir"}``: when blessed, ``model_dir`` and the record
    are staged and swapped in, then (with ``registered_model_name`` and an active MLflow run) a model is
    registered and given the alias ``champion``: with ``serving_model`` (``code``: the module of an MLflow
    models-from-code file, whose ``input_example(model_dir)`` gives raw inputs for the champion), the
    champion SavedModel itself, logged as that pyfunc model in the run (``serving_model``) with a
    signature inferred from the example; otherwise the variant's logged training model. When not blessed,
    nothing on disk changes.
    """

    def __init__(
        self,
        *,
        path: str,
        registered_model_name: str | None = None,
        serving_model: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._registered_model_name = registered_model_name
        self._serving_model = serving_model
        self.metadata = metadata

    def load(self) -> dict[str, Any]:
        """The current champion's record plus its folder (``path``), or ``{}``."""
        _recover(self._path)
        record = self._path / RECORD
        if not record.exists():
            return {}
        try:
            return {**json.loads(record.read_text(encoding="utf-8")), "path": str(self._path)}
        except json.JSONDecodeError as error:
            raise DatasetError(
                f"Champion record '{record}' is not valid JSON ({error}); fix or delete it."
            ) from error

    def save(self, data: dict[str, Any]) -> None:
        """Promote the candidate when ``data["blessed"]``; otherwise log why the champion stays."""
        if not data["blessed"]:
            logger.info("Champion at %s kept: %s", self._path, data["reason"])
            return
        _recover(self._path)
        record = {**data["record"], "blessed_at": datetime.now(UTC).isoformat(timespec="seconds")}
        record.update(self._active_runs(record.get("mlflow_variant_run_id")))
        staging = _staging(self._path)
        try:
            shutil.copytree(data["model_dir"], staging)
            (staging / RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
            _swap_into_place(staging, self._path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        logger.info("New champion at %s: %s", self._path, data["reason"])
        registered = self._register(record, data["reason"])
        if registered:
            record.update(registered)
            tmp = self._path / f".{RECORD}.tmp"
            tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
            os.replace(tmp, self._path / RECORD)

    @staticmethod
    def _active_runs(variant_run_id: str | None) -> dict[str, Any]:
        """The pipeline's MLflow run, and the model logged in the candidate's nested run (whose id the
        record already holds: the pipeline's own output, not a search by name)."""
        import mlflow

        if mlflow.active_run() is None:
            return {"mlflow_run_id": None}
        nested = mlflow.get_run(variant_run_id) if variant_run_id else None
        return {
            "mlflow_run_id": mlflow.active_run().info.run_id,
            "mlflow_model_uri": nested.data.tags.get("model_uri") if nested else None,
        }

    def _log_serving_model(self) -> str | None:
        """Log the champion SavedModel as the configured pyfunc model in the active run; its URI."""
        import importlib
        from importlib.metadata import version

        import mlflow

        if mlflow.active_run() is None:
            return None
        module = importlib.import_module(self._serving_model["code"])
        code = Path(module.__file__)
        info = mlflow.pyfunc.log_model(
            name="serving_model",
            python_model=str(code),
            artifacts={"saved_model": str(self._path)},
            input_example=module.input_example(self._path),
            pip_requirements=[f"{p}=={version(p)}" for p in ("mlflow", "tensorflow", "pandas", "numpy")],
        )
        logger.info("Logged the champion as MLflow model %s (%s)", info.model_uri, code.name)
        return info.model_uri

    def _register(self, record: dict[str, Any], reason: str) -> dict[str, Any]:
        """Register the champion's MLflow model and point the ``champion`` alias at the new version (its
        description: why it was blessed; its tags: the variant, its kind and its test scores)."""
        import mlflow

        if not self._registered_model_name:
            return {}
        if self._serving_model:
            record["mlflow_model_uri"] = self._log_serving_model()
        if not record.get("mlflow_model_uri"):
            return {}
        scores = {
            k: str(v) for k, v in record.get("metrics", {}).items() if k.startswith("test_") and v is not None
        }
        tags = {"variant": str(record.get("variant")), "kind": str(record.get("kind", "")), **scores}
        version = mlflow.register_model(record["mlflow_model_uri"], self._registered_model_name, tags=tags)
        client = mlflow.MlflowClient()
        client.update_model_version(self._registered_model_name, version.version, description=reason)
        client.set_registered_model_alias(self._registered_model_name, "champion", version.version)
        logger.info(
            "Registered %s version %s as 'champion' (MLflow UI: %s)",
            self._registered_model_name,
            version.version,
            model_version_path(self._registered_model_name, version.version),
        )
        return {
            "mlflow_model_uri": record["mlflow_model_uri"],
            "registered_model": self._registered_model_name,
            "registered_version": int(version.version),
        }

    def _exists(self) -> bool:
        return (self._path / RECORD).exists()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "registered_model_name": self._registered_model_name}
