"""Find a raw data file: configured path, then the data mirror, then the local cache, then download.

Shared by the IMDB, corpus and temperature datasets so every domain resolves its source the same way.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kedro.io.core import DatasetError

from rnn_pipelines.datasets import storage
from rnn_pipelines.errors import UserError

logger = logging.getLogger(__name__)

MIRROR_ENV_VAR = "RNN_PIPELINES_DATA_MIRROR"
_CHUNK = 1 << 20


class DataSourceError(UserError, DatasetError):
    """A raw data set cannot be read: missing, corrupt, or not in the expected layout (the message names
    the file and what is wrong with it)."""


@dataclass(frozen=True)
class RemoteFile:
    """An official download: where it lives, what it is called locally and how to verify it.

    ``checksum`` is ``"<algorithm>:<hexdigest>"`` (any ``hashlib`` algorithm, e.g. ``md5`` or ``sha256``).
    """

    url: str
    filename: str
    size: int | None = None
    checksum: str | None = None


@dataclass(frozen=True)
class SourceSpec:
    """Where to look for one data set, in resolution order.

    Attributes:
        name: Human name used in messages (e.g. ``"IMDB reviews"``).
        filepath: A path set in configuration; when given it must exist (no silent fallback).
        mirror: The data mirror folder (``RNN_PIPELINES_DATA_MIRROR`` or ``conf/local``).
        cache_dir: The local cache, normally ``data/01_raw``.
        candidates: File or folder names accepted inside the mirror and the cache, best first.
        remote: The official download, used when nothing local is found.
    """

    name: str
    filepath: str | None
    mirror: str | None
    cache_dir: str
    candidates: Sequence[str]
    remote: RemoteFile | None = None
    extra_hint: str = field(default="")


def mirror_from_env(configured: str | None) -> str | None:
    """Return the configured mirror folder, or the environment variable's value, or ``None``."""
    value = configured or os.environ.get(MIRROR_ENV_VAR)
    return value or None


def _stored(location: str) -> bool:
    return storage.exists(location) if storage.is_remote(location) else Path(location).expanduser().exists()


def _local(location: str) -> Path:
    """A local path of what ``location`` holds: itself, or a copy in the local cache when it is remote."""
    if storage.is_remote(location):
        return storage.local_copy(location, kind="raw")
    return Path(location).expanduser()


def resolve_source(spec: SourceSpec, *, allow_download: bool = True) -> Path:
    """Return a local path for ``spec``, downloading into the cache as a last resort.

    The configured path and the cache may be URLs (``s3://...``: the cache follows the data root); what is
    found there is read through a copy in the local cache (``storage.local_copy``). A download is verified
    locally, then stored in the cache.

    Raises:
        DatasetError: The configured path does not exist, or nothing was found and the download failed
            (the message says where to put the file).
    """
    if spec.filepath:
        if not _stored(spec.filepath):
            raise DataSourceError(
                f"{spec.name}: the configured path '{spec.filepath}' does not exist. Fix the path in conf/ "
                f"(or remove it to use the data mirror, the cache in '{spec.cache_dir}' or a download)."
            )
        logger.info("%s: using the configured path %s", spec.name, spec.filepath)
        return _local(spec.filepath)

    mirror = mirror_from_env(spec.mirror)
    for folder, origin in ((mirror, "data mirror"), (spec.cache_dir, "cache")):
        for candidate in spec.candidates if folder else ():
            location = storage.join(folder, candidate)
            if _stored(location):
                logger.info("%s: using the %s copy %s", spec.name, origin, location)
                return _local(location)

    where = _where_to_put(spec, mirror)
    if spec.remote is None or not allow_download:
        raise DataSourceError(f"{spec.name}: no local copy found. {where}")
    try:
        return _download_to_cache(spec)
    except (OSError, DatasetError) as err:
        raise DataSourceError(
            f"{spec.name}: no local copy found and the download of {spec.remote.url} failed ({err}). {where}"
        ) from err


def _download_to_cache(spec: SourceSpec) -> Path:
    """Download ``spec.remote`` into the cache (verified on the local disk first when the cache is remote)."""
    if not storage.is_remote(spec.cache_dir):
        destination = Path(spec.cache_dir) / spec.remote.filename
        download(spec.remote, destination)
        return destination
    folder = storage.scratch_folder("download")
    try:
        download(spec.remote, folder / spec.remote.filename)
        storage.upload_folder(folder, spec.cache_dir)  # verified: now it may enter the shared cache
    finally:
        storage.remove(str(folder))
    url = storage.join(spec.cache_dir, spec.remote.filename)
    logger.info("%s: stored the download in the cache %s", spec.name, url)
    return storage.local_copy(url, kind="raw")


def _where_to_put(spec: SourceSpec, mirror: str | None) -> str:
    names = " or ".join(f"'{c}'" for c in spec.candidates)
    places = [f"the cache folder '{spec.cache_dir}'"]
    if mirror:
        places.insert(0, f"the data mirror '{mirror}'")
    hint = f" {spec.extra_hint}" if spec.extra_hint else ""
    return (
        f"Put {names} in {' or '.join(places)}, set {MIRROR_ENV_VAR} to a folder that holds it, "
        f"or set its path in conf/.{hint}"
    )


def download(remote: RemoteFile, destination: Path) -> None:
    """Download ``remote`` to ``destination`` with a progress bar, verify it, then move it into place.

    The file is written to a temporary name in the same folder and renamed only after the size and
    checksum match, so an interrupted or corrupt download never appears in the cache.
    """
    import requests
    from tqdm.auto import tqdm

    destination.parent.mkdir(parents=True, exist_ok=True)
    algorithm, _, expected = (remote.checksum or "").partition(":")
    digest = hashlib.new(algorithm) if algorithm else None
    logger.info("Downloading %s to %s", remote.url, destination)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    tmp = Path(tmp_name)
    try:
        with requests.get(remote.url, stream=True, timeout=60) as response:
            response.raise_for_status()
            total = int(response.headers.get("content-length", 0)) or remote.size
            with (
                os.fdopen(fd, "wb") as out,
                tqdm(total=total, unit="B", unit_scale=True, desc=destination.name) as bar,
            ):
                for chunk in response.iter_content(_CHUNK):
                    out.write(chunk)
                    if digest is not None:
                        digest.update(chunk)
                    bar.update(len(chunk))
        verify_download(tmp, remote, digest.hexdigest() if digest else None, expected or None)
        tmp.replace(destination)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def verify_download(path: Path, remote: RemoteFile, actual: str | None, expected: str | None) -> None:
    """Raise ``DatasetError`` when ``path`` has the wrong size or checksum for ``remote``."""
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        raise DataSourceError(
            f"download of {remote.url} has {size} bytes, expected {remote.size} (truncated or changed)"
        )
    if expected and actual != expected.lower():
        raise DataSourceError(
            f"download of {remote.url} has checksum {actual}, expected {expected} (corrupt or changed)"
        )
