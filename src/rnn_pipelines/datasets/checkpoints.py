"""A variant's training checkpoints: a ``.keras`` file per epoch and Keras' resume state
(``BackupAndRestore``).

Keras writes both to a local folder: ``<checkpoint_dir>/<variant>`` when ``checkpoint_dir`` is local, else a
folder of the local cache. On remote storage the resume state is copied to ``<checkpoint_dir>/<variant>/``
after every finished epoch, as a new version made current by a pointer (``saved_model.VersionedFolder``),
so a run continued on another machine (an Airflow retry on another worker) resumes from the last finished
epoch, and a copy cut short never replaces a whole one. The per-epoch ``.keras`` files stay local.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from rnn_pipelines.datasets import storage
from rnn_pipelines.datasets.saved_model import VersionedFolder

logger = logging.getLogger(__name__)

BACKUP = "backup"  # BackupAndRestore's folder
SPEC_FILE = "backup.spec.sha256"  # which model the resume state belongs to
STATE = "training_metadata.json"  # BackupAndRestore's record of the last finished epoch


class CheckpointFolder:
    """The checkpoints of the variant ``name`` under ``url`` (the training's ``checkpoint_dir``)."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.url = storage.join(url, name)
        self.remote = storage.is_remote(url)
        self.local = (
            storage.cache_root() / "checkpoints" / storage.cache_key(self.url) / name
            if self.remote
            else storage.local_path(self.url)
        )
        self.local.mkdir(parents=True, exist_ok=True)
        self._shared = VersionedFolder(self.url, keep=1) if self.remote else None

    @property
    def backup(self) -> Path:
        """The folder ``BackupAndRestore`` reads and writes."""
        return self.local / BACKUP

    def fetch(self) -> None:
        """Put the shared resume state (when there is one) in the local folder, in place of a local one."""
        if self._shared is None or (current := self._shared.current()) is None:
            return
        copy = storage.local_copy(current, kind="checkpoints")
        shutil.rmtree(self.backup, ignore_errors=True)
        shutil.copytree(copy / BACKUP, self.backup)
        shutil.copy(copy / SPEC_FILE, self.local / SPEC_FILE)
        logger.info("%s: fetched the resume state from %s", self.name, current)

    def keep_only(self, spec: str) -> int:
        """Keep the resume state only when it was made of the model ``spec`` (a fingerprint): a backup of
        another spec (the variant changed since the run was interrupted) is removed, with a log line.

        Returns:
            The epochs the kept state has finished (0: the variant starts afresh).
        """
        spec_file = self.local / SPEC_FILE
        epochs = 0
        if self.backup.exists():
            saved = spec_file.read_text(encoding="utf-8").strip() if spec_file.exists() else None
            if saved != spec:
                logger.warning(
                    "%s: the resume state in %s belongs to another spec (the variant changed since the run "
                    "was interrupted); starting this variant afresh",
                    self.name,
                    self.url if self.remote else self.backup,
                )
                self.clear()
            else:
                state = self.backup / STATE
                epochs = json.loads(state.read_text(encoding="utf-8"))["epoch"] if state.exists() else 0
        spec_file.write_text(spec, encoding="utf-8")
        return epochs

    def share(self) -> None:
        """Copy the local resume state to the shared storage (after an epoch); nothing on a local disk."""
        if self._shared is None or not self.backup.exists():
            return
        staging = storage.scratch_folder("backup")
        try:
            shutil.copytree(self.backup, staging / BACKUP)
            shutil.copy(self.local / SPEC_FILE, staging / SPEC_FILE)
            version = self._shared.new_version()
            self._shared.write(staging, version)
            self._shared.point(version)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._shared.prune(quiet=True)  # the previous epoch's state, every epoch

    def clear(self) -> None:
        """Remove the resume state, here and on the shared storage (the fit completed or it is stale)."""
        shutil.rmtree(self.backup, ignore_errors=True)
        (self.local / SPEC_FILE).unlink(missing_ok=True)
        if self.remote:
            storage.remove(self.url)
