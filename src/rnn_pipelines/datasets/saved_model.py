"""Kedro datasets for exported SavedModels: a candidate export and the blessed champion.

Both live under the data root, local or on an object store, which has no rename. So a model is never
replaced in place: each export is written under a new version folder (``<path>/<version>/``), checked
against what was written, and only then made current by one atomic write of a small pointer
(``<path>/current.json``). A reader follows the pointer, so it finds the old model or the new one, never a
partial one; a crash before the pointer moved leaves an unreferenced folder that the next write removes.
The last ``keep`` versions stay (a reader that followed the pointer just before it moved still finds its
model). TensorFlow reads local folders only: ``load`` gives a local copy (the folder itself on a local
disk, else a copy in the local cache, fetched again only when the version changes).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset
from kedro.io.core import DatasetError

from rnn_pipelines.datasets import storage
from rnn_pipelines.datasets.tracking import model_version_path

logger = logging.getLogger(__name__)

RECORD = "champion.json"
POINTER = "current.json"
VERSION = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{8}$")  # what ``VersionedFolder.new_version`` names


class VersionedFolder:
    """Folders written whole under ``<url>/<version>/`` and made current by the pointer ``<url>/current.json``
    (``{"version", "written_at", "history"}``: the versions made current, newest last).

    One writer at a time (the pipeline's run lock); any number of readers.
    """

    def __init__(self, url: str, keep: int) -> None:
        if keep < 1:
            raise DatasetError(f"'{url}': keep must be 1 or more, got {keep}.")
        self.url, self.keep = str(url).rstrip("/"), keep

    def pointer(self) -> dict[str, Any] | None:
        """The pointer, or ``None`` when no version was made current."""
        return storage.read_json(storage.join(self.url, POINTER))

    def current(self) -> str | None:
        """The URL of the current version's folder, or ``None``."""
        pointer = self.pointer()
        if pointer:
            return storage.join(self.url, pointer["version"])
        if storage.exists(storage.join(self.url, "saved_model.pb")):  # a model stored before versions
            return self.url
        return None

    @staticmethod
    def new_version() -> str:
        """A version name that sorts by time (to the microsecond): ``20261207T102414123456Z-1a2b3c4d``."""
        return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"

    def write(self, local: Path, version: str) -> str:
        """Copy the local folder ``local`` to ``<url>/<version>/`` and check every file arrived whole.

        Returns:
            The version folder's URL (not current yet: see ``point``).

        Raises:
            DatasetError: A file is missing or has another size than the local one.
        """
        target = storage.join(self.url, version)
        storage.upload_folder(local, target)
        self.verify(local, target)
        return target

    @staticmethod
    def verify(local: Path, target: str) -> None:
        """Raise ``DatasetError`` unless ``target`` holds exactly the files of ``local``, size for size."""
        expected = storage.listing(str(local))
        found = storage.listing(target)
        if found != expected:
            missing = sorted(set(expected) - set(found))
            differ = sorted(k for k in expected if k in found and found[k] != expected[k])
            raise DatasetError(
                f"'{target}' was not written whole (missing: {missing[:5]}, other sizes: {differ[:5]}); "
                "the current version was left as it was."
            )

    def point(self, version: str) -> None:
        """Make ``version`` current: one atomic write of the pointer."""
        history = [*(self.pointer() or {}).get("history", []), version][-self.keep :]
        pointer = {"version": version, "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
        storage.write_json(storage.join(self.url, POINTER), {**pointer, "history": history})

    def prune(self, *, quiet: bool = False) -> list[str]:
        """Remove the version folders that are neither among the last ``keep`` made current nor current
        (what crashed writes and older champions left). Returns the removed versions; ``quiet``: say so
        at debug level only (the resume state's previous epoch, after every epoch)."""
        pointer = self.pointer() or {}
        kept = {*pointer.get("history", []), pointer.get("version")}
        removed = [n for n in storage.folders(self.url) if VERSION.match(n) and n not in kept]
        for name in removed:
            storage.remove(storage.join(self.url, name))
        if removed:
            level = logging.DEBUG if quiet else logging.INFO
            logger.log(level, "Removed %d old or unfinished version(s) under %s", len(removed), self.url)
        return removed


class SavedModelDataset(AbstractDataset[Any, str]):
    """Saves a ``keras.export.ExportArchive`` as a SavedModel under a new version of ``filepath``;
    ``load`` returns a local folder of the current version (what serving and the fresh-process check need).

    Args:
        filepath: A local folder or an fsspec URL.
        keep: Versions kept (the current one and those before it).
    """

    def __init__(self, *, filepath: str, keep: int = 2, metadata: dict[str, Any] | None = None) -> None:
        self._folder = VersionedFolder(filepath, keep)
        self.metadata = metadata

    def save(self, data: Any) -> None:
        """Write the archive locally, copy it to a new version, then make that version current."""
        local = storage.scratch_folder("export")
        try:
            data.write_out(str(local / "model"), verbose=False)
            version = self._folder.new_version()
            self._folder.write(local / "model", version)
            self._folder.point(version)
        finally:
            shutil.rmtree(local, ignore_errors=True)
        self._folder.prune()

    def load(self) -> str:
        """A local folder of the current SavedModel."""
        current = self._folder.current()
        if current is None:
            raise DatasetError(f"No SavedModel at '{self._folder.url}': run the export first.")
        return str(storage.local_copy(current, kind="models"))

    def _exists(self) -> bool:
        return self._folder.current() is not None

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._folder.url, "keep": self._folder.keep}


class ChampionDataset(AbstractDataset[dict[str, Any], dict[str, Any]]):
    """The blessed model: versions of a SavedModel folder with ``champion.json`` beside the model files,
    under ``path`` (a local folder or an fsspec URL), the current one named by ``path/current.json``.

    ``load`` returns the champion's record plus ``path``, a local folder of it (``{}`` when there is none
    yet). ``save`` takes a blessing decision ``{"blessed", "reason", "record", "model_dir"}``. When
    blessed, in this order (a crash at any step leaves readers on the old champion or on the new one):

    1. with ``registered_model_name`` and an active MLflow run, log the model and register a new version
       (no alias yet): with ``serving_model`` (``code``: the module of an MLflow models-from-code file,
       whose ``input_example(model_dir)`` gives raw inputs), the champion SavedModel itself as that pyfunc
       model, with a signature inferred from the example; otherwise the variant's logged training model;
    2. write the model and its record to a new version folder and check it arrived whole;
    3. point ``current.json`` at it (the one atomic step: readers move to the new champion here);
    4. move the registry alias ``champion`` to the new version;
    5. remove versions beyond the last ``keep``.

    When not blessed, nothing changes.
    """

    def __init__(
        self,
        *,
        path: str,
        registered_model_name: str | None = None,
        serving_model: dict[str, Any] | None = None,
        keep: int = 3,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._folder = VersionedFolder(path, keep)
        self._registered_model_name = registered_model_name
        self._serving_model = serving_model
        self.metadata = metadata

    def load(self) -> dict[str, Any]:
        """The current champion's record plus a local folder of it (``path``), or ``{}``."""
        current = self._folder.current()
        if current is None:
            return {}
        folder = storage.local_copy(current, kind="models")
        record = folder / RECORD
        if not record.exists():
            raise DatasetError(
                f"The champion at '{current}' has no {RECORD}; delete its pointer or restore it."
            )
        try:
            return {**json.loads(record.read_text(encoding="utf-8")), "path": str(folder)}
        except json.JSONDecodeError as error:
            raise DatasetError(
                f"Champion record '{storage.join(current, RECORD)}' is not valid JSON ({error}); "
                "fix or delete it."
            ) from error

    def save(self, data: dict[str, Any]) -> None:
        """Promote the candidate when ``data["blessed"]``; otherwise log why the champion stays."""
        if not data["blessed"]:
            logger.info("Champion at %s kept: %s", self._folder.url, data["reason"])
            return
        record = {**data["record"], "blessed_at": datetime.now(UTC).isoformat(timespec="seconds")}
        record.update(self._active_runs(record.get("mlflow_variant_run_id")))
        local = storage.scratch_folder("champion")
        try:
            staged = local / "champion"
            shutil.copytree(data["model_dir"], staged)
            (staged / RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
            record.update(self._register(staged, record, data["reason"]))
            (staged / RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
            version = self._folder.new_version()
            target = self._folder.write(staged, version)
            self._folder.point(version)
            logger.info("New champion at %s: %s", target, data["reason"])
            self._move_alias(record)
        finally:
            shutil.rmtree(local, ignore_errors=True)
        self._folder.prune()

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

    def _log_serving_model(self, folder: Path) -> str | None:
        """Log the champion SavedModel in ``folder`` as the configured pyfunc model in the active run."""
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
            artifacts={"saved_model": str(folder)},
            input_example=module.input_example(folder),
            pip_requirements=[f"{p}=={version(p)}" for p in ("mlflow", "tensorflow", "pandas", "numpy")],
        )
        logger.info("Logged the champion as MLflow model %s (%s)", info.model_uri, code.name)
        return info.model_uri

    def _register(self, folder: Path, record: dict[str, Any], reason: str) -> dict[str, Any]:
        """Register the champion's MLflow model as a new version (its description: why it was blessed; its
        tags: the variant, its kind and its test scores). The alias moves later (``_move_alias``)."""
        import mlflow

        if not self._registered_model_name:
            return {}
        uri = self._log_serving_model(folder) if self._serving_model else record.get("mlflow_model_uri")
        if not uri:
            return {}
        scores = {
            k: str(v) for k, v in record.get("metrics", {}).items() if k.startswith("test_") and v is not None
        }
        tags = {"variant": str(record.get("variant")), "kind": str(record.get("kind", "")), **scores}
        version = mlflow.register_model(uri, self._registered_model_name, tags=tags)
        mlflow.MlflowClient().update_model_version(
            self._registered_model_name, version.version, description=reason
        )
        return {
            "mlflow_model_uri": uri,
            "registered_model": self._registered_model_name,
            "registered_version": int(version.version),
        }

    def _move_alias(self, record: dict[str, Any]) -> None:
        """Point the registry alias ``champion`` at the version the record holds."""
        import mlflow

        if not record.get("registered_version"):
            return
        name, version = record["registered_model"], record["registered_version"]
        mlflow.MlflowClient().set_registered_model_alias(name, "champion", str(version))
        logger.info(
            "Registered %s version %s as 'champion' (MLflow UI: %s)",
            name,
            version,
            model_version_path(name, version),
        )

    def _exists(self) -> bool:
        return self._folder.current() is not None

    def _describe(self) -> dict[str, Any]:
        return {
            "path": self._folder.url,
            "keep": self._folder.keep,
            "registered_model_name": self._registered_model_name,
        }
