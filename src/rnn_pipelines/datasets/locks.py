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

A lease may belong to an **owner** rather than a process: an Airflow DAG run takes it in its first task
and keeps it (``keep``) across its tasks, which run in other processes on other workers, side by side; a
task of the same run *joins* the lease instead of waiting for it, renews it while it runs, and the run's
last task releases it (``release``). Its ``lease_seconds`` must outlast the gaps when no task of the run is
running (a retry's delay, the time to notice a lost worker). On a local folder an operating-system lock
cannot outlive its process: there every task holds the lock on its own (one machine runs them one by one).

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
from rnn_pipelines.errors import RunRefused

logger = logging.getLogger(__name__)

RECORDS = ("08_reporting", "retraining")  # under the data root: retraining records and locks
_HELD: set[str] = set()  # the lock URLs this process holds


class LockHeldError(RunRefused, RuntimeError):
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


def holder_description(owner: str | None = None) -> str:
    """This process as the holder of a lock: its owner (an Airflow run), host, pid, start and command line."""
    command = shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"
    started = datetime.now(UTC).isoformat(timespec="seconds")
    process = f"host {socket.gethostname()}, pid {os.getpid()}, since {started}: {command}"
    return f"{owner}; {process}" if owner else process


def _lock(url: str, holder: str, lease_seconds: float, owner: str | None) -> Any:
    scheme = storage.protocol(url)
    if not storage.is_remote(url):
        return _FileLock(storage.local_path(url), holder)
    if scheme in ("s3", "s3a"):
        return _S3Lease(url, holder, lease_seconds, owner)
    raise storage.StorageError(
        f"'{url}': a run lock needs conditional writes, which this project implements for S3 API stores "
        f"only; '{scheme}://' cannot hold one (use the store's S3 API endpoint, or a local data root)."
    )


@contextmanager
def hold(
    url: str,
    *,
    wait_seconds: float = 0,
    lease_seconds: float = 60,
    owner: str | None = None,
    keep: bool = False,
) -> Iterator[None]:
    """Hold the lock at ``url`` for the block, waiting up to ``wait_seconds`` for its holder.

    Args:
        owner: Who the lease belongs to beyond this process (an Airflow run): a lease of the same owner is
            joined, not waited for.
        keep: Leave the lease in place after the block (renewed once more), for the owner's next task;
            ``release`` removes it. A local lock is released anyway.

    Raises:
        LockHeldError: Still held by another run after ``wait_seconds``.
        storage.StorageError: The scheme of ``url`` cannot hold a lock.
    """
    lock = _lock(url, holder_description(owner), lease_seconds, owner)
    lock.acquire(wait_seconds)
    _HELD.add(url)
    try:
        yield
    finally:
        _HELD.discard(url)
        lock.release(keep=keep)


def release(url: str, owner: str) -> bool:
    """Remove the lease at ``url`` when ``owner`` holds it (the last task of an Airflow run, or its failure
    callback). Returns whether it did; a local lock has nothing left to release."""
    if not storage.is_remote(url):
        return False
    return _lock(url, holder_description(owner), 0, owner).release_owned()


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

    def release(self, keep: bool = False) -> None:  # an OS lock cannot outlive its process
        self._holder_file.unlink(missing_ok=True)
        self._lock.release()


class _S3Lease:
    """A lease object on S3, taken and renewed with conditional writes (module docstring)."""

    def __init__(self, url: str, holder: str, lease_seconds: float, owner: str | None = None) -> None:
        self._url = url
        self._bucket, _, self._key = url.split("://", 1)[1].partition("/")
        self._holder, self._lease, self._owner = holder, float(lease_seconds), owner
        self._client = storage.s3_client()
        self._etag: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _body(self) -> bytes:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        content = {
            "holder": self._holder,
            "owner": self._owner,
            "lease_seconds": self._lease,
            "renewed_at": now,
        }
        return json.dumps(content).encode()

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

    def _ours(self, content: dict[str, Any]) -> bool:
        return self._owner is not None and content.get("owner") == self._owner

    def _take(self) -> str | None:
        """Take the lease when it is free, stale or its owner's; else the holder's description."""
        for _ in range(10):  # a race with another writer: look again
            if self._put(IfNoneMatch="*"):
                return None
            found = self._read()
            if found is None:  # released between the two calls
                continue
            etag, content, age = found
            if self._ours(content):
                if self._put(IfMatch=etag):
                    logger.info("Joined the lease %s of %s", self._url, self._owner)
                    return None
                continue
            if age > float(content.get("lease_seconds", self._lease)):
                if self._put(IfMatch=etag):
                    logger.warning(
                        "Took over the stale lease %s (%s, not renewed for %.0f s): that run stopped without "
                        "releasing it",
                        self._url,
                        content.get("holder", "unknown"),
                        age,
                    )
                    return None
                continue
            return str(content.get("holder", "unknown"))
        return "a run that takes and releases it as fast as this one looks"

    def acquire(self, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while (holder := self._take()) is not None:
            if time.monotonic() >= deadline:
                raise LockHeldError(holder)
            time.sleep(min(max(self._lease / 6, 0.5), 5.0, max(deadline - time.monotonic(), 0.1)))
        self._renewer = threading.Thread(
            target=self._renew_while_held, name=f"lease {self._key}", daemon=True
        )
        self._renewer.start()

    def _renew(self) -> bool:
        """Renew the lease; another task of the same owner may have renewed it meanwhile. ``False`` when it
        is another run's now."""
        if self._put(IfMatch=self._etag):
            return True
        found = self._read()
        return found is not None and self._ours(found[1]) and self._put(IfMatch=found[0])

    def _renew_while_held(self) -> None:
        while not self._stop.wait(min(self._lease / 3, 20.0)):
            try:
                if not self._renew():
                    logger.error(
                        "The lease %s was taken over by another run (this one did not renew it in %.0f s)",
                        self._url,
                        self._lease,
                    )
                    return
            except Exception as error:  # a passing network fault: try again at the next beat
                logger.warning("Could not renew the lease %s (%s); trying again", self._url, error)

    def release(self, keep: bool = False) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=30)
        if keep:  # the owner's next task joins it: its age starts now
            self._renew()
            return
        found = self._read()
        if found is not None and (found[0] == self._etag or self._ours(found[1])):
            self._client.delete_object(Bucket=self._bucket, Key=self._key)

    def release_owned(self) -> bool:
        found = self._read()
        if found is None or not self._ours(found[1]):
            return False
        self._client.delete_object(Bucket=self._bucket, Key=self._key)
        logger.info("Released the lease %s of %s", self._url, self._owner)
        return True
