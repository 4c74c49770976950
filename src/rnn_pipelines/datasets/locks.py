"""One run of a pipeline at a time, for every machine that shares the data root.

The lock lives under the data root (``08_reporting/retraining/<pipeline>.lock``), beside the retraining
records, so whoever shares the data shares the lock:

- **a local folder**: an operating-system lock (``filelock``), released by the OS when its holder dies, with
  a ``.holder`` file naming the holder;
- **an S3 bucket** (AWS S3, MinIO, GCS's S3 API, moto): a *lease*, one small object taken with a
  conditional write (``If-None-Match: *``: the first writer wins, the second gets ``412``), renewed by its
  holder every third of ``lease_seconds`` with ``If-Match`` on its own ETag, and deleted on release. A lease
  not renewed for ``lease_seconds`` (its holder died: ``kill -9``, a lost machine) is taken over with
  ``If-Match`` on the stale ETag, so two runs that find it stale at once cannot both take it. Ages are
  measured on the store's clock (the object's ``Last-Modified`` against the response's ``Date``), so clocks
  of the machines need not agree.

Other schemes (``gs://``, ``abfs://``) have no conditional writes through fsspec: a run on them refuses to
start rather than run unlocked.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from rnn_pipelines.datasets import storage

logger = logging.getLogger(__name__)

RECORDS = ("08_reporting", "retraining")  # under the data root: retraining records and locks
_HELD: set[str] = set()  # the lock URLs this process holds


class LockHeldError(RuntimeError):
    """Another run holds the lock; ``holder`` describes it (host, pid, start, command)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def records_url(root: str, name: str) -> str:
    """``<root>/08_reporting/retraining/<name>``: where retraining records and locks live."""
    return storage.join(root, *RECORDS, name)


def lock_url(root: str, pipeline: str) -> str:
    """The lock of ``pipeline`` under the data root ``root``."""
    return records_url(root, f"{pipeline}.lock")


def held_here(url: str) -> bool:
    """Whether this process holds the lock at ``url``."""
    return url in _HELD


def holder_description() -> str:
    """This process as the holder of a lock: host, pid, start time and command line."""
    command = shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"
    started = datetime.now(UTC).isoformat(timespec="seconds")
    return f"host {socket.gethostname()}, pid {os.getpid()}, since {started}: {command}"


@contextmanager
def hold(url: str, *, wait_seconds: float = 0, lease_seconds: float = 60) -> Iterator[None]:
    """Hold the lock at ``url`` for the block, waiting up to ``wait_seconds`` for its holder.

    Raises:
        LockHeldError: Still held by another run after ``wait_seconds``.
        storage.StorageError: The scheme of ``url`` cannot hold a lock.
    """
    holder = holder_description()
    scheme = storage.protocol(url)
    if not storage.is_remote(url):
        lock: Any = _FileLock(storage.local_path(url), holder)
    elif scheme in ("s3", "s3a"):
        lock = _S3Lease(url, holder, lease_seconds)
    else:
        raise storage.StorageError(
            f"'{url}': a run lock needs conditional writes, which this project implements for S3 API stores "
            f"only; '{scheme}://' cannot hold one (use the store's S3 API endpoint, or a local data root)."
        )
    lock.acquire(wait_seconds)
    _HELD.add(url)
    try:
        yield
    finally:
        _HELD.discard(url)
        lock.release()


class _FileLock:
    """An operating-system lock on a local file, with a ``.holder`` file beside it."""

    def __init__(self, path: Path, holder: str) -> None:
        from filelock import FileLock

        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(path)
        self._holder_file = path.with_suffix(".holder")
        self._holder = holder

    def acquire(self, wait_seconds: float) -> None:
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=wait_seconds)
        except Timeout as error:
            found = self._holder_file.read_text(encoding="utf-8") if self._holder_file.exists() else "unknown"
            raise LockHeldError(found) from error
        if self._holder_file.exists():  # left by a holder that died without releasing: the OS freed the lock
            logger.warning(
                "Took over the stale lock %s (%s): that run stopped without releasing it",
                self._lock.lock_file,
                self._holder_file.read_text(encoding="utf-8"),
            )
        self._holder_file.write_text(self._holder, encoding="utf-8")

    def release(self) -> None:
        self._holder_file.unlink(missing_ok=True)
        self._lock.release()


class _S3Lease:
    """A lease object on S3, taken and renewed with conditional writes (module docstring)."""

    def __init__(self, url: str, holder: str, lease_seconds: float) -> None:
        self._url = url
        self._bucket, _, self._key = url.split("://", 1)[1].partition("/")
        self._holder, self._lease = holder, float(lease_seconds)
        self._client = storage.s3_client()
        self._etag: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _body(self) -> bytes:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return json.dumps({"holder": self._holder, "lease_seconds": self._lease, "renewed_at": now}).encode()

    def _put(self, **condition: str) -> bool:
        """Write the lease under ``condition``; ``False`` when the condition does not hold."""
        from botocore.exceptions import ClientError

        try:
            response = self._client.put_object(
                Bucket=self._bucket, Key=self._key, Body=self._body(), **condition
            )
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status in (409, 412):  # PreconditionFailed, or ConditionalRequestConflict (a race)
                return False
            raise
        self._etag = response["ETag"]
        return True

    def _read(self) -> tuple[str, dict[str, Any], float] | None:
        """The lease's ETag, content and age in seconds on the store's clock; ``None`` when there is none."""
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=self._key)
        except self._client.exceptions.NoSuchKey:
            return None
        content = json.loads(found["Body"].read() or b"{}")
        date = found["ResponseMetadata"]["HTTPHeaders"].get("date")
        now = parsedate_to_datetime(date) if date else datetime.now(UTC)
        return found["ETag"], content, (now - found["LastModified"]).total_seconds()

    def _take(self) -> str | None:
        """Take the lease when it is free or stale; else the holder's description."""
        if self._put(IfNoneMatch="*"):
            return None
        found = self._read()
        if found is None:  # released between the two calls
            return self._take_again()
        etag, content, age = found
        lease = float(content.get("lease_seconds", self._lease))
        if age > lease and self._put(IfMatch=etag):
            logger.warning(
                "Took over the stale lease %s (%s, not renewed for %.0f s): that run stopped without "
                "releasing it",
                self._url,
                content.get("holder", "unknown"),
                age,
            )
            return None
        return str(content.get("holder", "unknown"))

    def _take_again(self) -> str | None:
        return None if self._put(IfNoneMatch="*") else "a run that has just taken it"

    def acquire(self, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while (holder := self._take()) is not None:
            if time.monotonic() >= deadline:
                raise LockHeldError(holder)
            time.sleep(min(max(self._lease / 6, 0.5), 5.0, max(deadline - time.monotonic(), 0.1)))
        self._renewer = threading.Thread(target=self._renew, name=f"lease {self._key}", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(self._lease / 3):
            try:
                if not self._put(IfMatch=self._etag):
                    logger.error(
                        "The lease %s was taken over by another run (this one did not renew it in %.0f s)",
                        self._url,
                        self._lease,
                    )
                    return
            except Exception as error:  # a passing network fault: try again at the next beat
                logger.warning("Could not renew the lease %s (%s); trying again", self._url, error)

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=30)
        found = self._read()
        if found is not None and found[0] == self._etag:
            self._client.delete_object(Bucket=self._bucket, Key=self._key)
