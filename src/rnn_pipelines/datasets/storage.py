"""Where stored data lives: a local folder or any fsspec URL (``s3://``, ``gs://``, ``abfs://``...).

Every dataset of the project reads and writes through these functions, so one setting (``data_root`` in
``conf/base/globals.yml``, or ``RNN_PIPELINES_DATA_ROOT``) moves all of it. What TensorFlow, Keras' backups
and MLflow's ``log_artifact`` need as local files is copied to or from a **local cache**
(``RNN_PIPELINES_CACHE_DIR``, default ``~/.cache/rnn-pipelines``): downloads are keyed by the object's
URL and its listing (names, sizes, ETags), so a changed object is fetched again.

This is the one module that moves stored data on the local disk (temporary names and renames).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from kedro.io.core import DatasetError

from rnn_pipelines.errors import ServiceError

logger = logging.getLogger(__name__)

ROOT_VARIABLE = "RNN_PIPELINES_DATA_ROOT"
CACHE_VARIABLE = "RNN_PIPELINES_CACHE_DIR"
LOCAL_PROTOCOLS = ("", "file", "local")


class StorageError(ServiceError, DatasetError):
    """Stored data cannot be reached: an unknown scheme, a missing driver, endpoint, bucket or credentials."""


def protocol(path: str | os.PathLike) -> str:
    """The URL scheme of ``path`` (``""`` for a plain local path)."""
    text = str(path)
    return text.split("://", 1)[0].lower() if "://" in text else ""


def is_remote(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a URL of remote storage (not a local folder or ``file://``)."""
    return protocol(path) not in LOCAL_PROTOCOLS


def local_path(path: str | os.PathLike) -> Path:
    """A local ``path`` (``file://`` stripped) as a ``Path``."""
    text = str(path)
    return Path(text.split("://", 1)[1] if protocol(text) in ("file", "local") else text)


def join(root: str | os.PathLike, *parts: str) -> str:
    """``root`` and ``parts`` joined with ``/`` (URLs) or the local separator."""
    if not is_remote(root):
        return str(local_path(root).joinpath(*parts))
    return "/".join([str(root).rstrip("/"), *(p.strip("/") for p in parts)])


def absolute(root: str, project: Path) -> str:
    """``root`` as configured: a URL unchanged, a relative local folder made absolute against ``project``."""
    if is_remote(root):
        return str(root).rstrip("/")
    path = local_path(root).expanduser()
    return str(path if path.is_absolute() else Path(project) / path)


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of ``url`` and the path inside it.

    Raises:
        StorageError: The scheme is unknown to fsspec, or its driver is not installed.
    """
    import fsspec

    scheme = protocol(url)
    try:
        return fsspec.core.url_to_fs(url)
    except ValueError as error:  # fsspec: "Protocol not known"
        raise StorageError(f"'{url}': unknown storage scheme '{scheme}://' ({error}).") from error
    except ImportError as error:
        raise StorageError(
            f"'{url}': the driver for '{scheme}://' is not installed ({error}). Install the project with "
            "its team extra (`uv sync --extra team`, or `pip install 'rnn-pipelines[team]'`)."
        ) from error


def cache_root() -> Path:
    """The local cache: ``RNN_PIPELINES_CACHE_DIR``, or ``$XDG_CACHE_HOME/rnn-pipelines``
    (``~/.cache/rnn-pipelines``)."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rnn-pipelines"


def cache_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def exists(url: str) -> bool:
    """Whether a file or folder exists at ``url``."""
    if not is_remote(url):
        return local_path(url).exists()
    fs, path = filesystem(url)
    fs.invalidate_cache(path)  # another machine may have written it since this process last looked
    return fs.exists(path)


def read_text(url: str) -> str | None:
    """The UTF-8 text at ``url``, or ``None`` when there is none."""
    if not is_remote(url):
        path = local_path(url)
        return path.read_text(encoding="utf-8") if path.is_file() else None
    fs, path = filesystem(url)
    try:
        return fs.cat_file(path).decode("utf-8")
    except FileNotFoundError:
        return None


def write_text(url: str, text: str) -> None:
    """Write ``text`` to ``url`` whole or not at all: a temporary file renamed into place on a local disk,
    one ``PUT`` (atomic for an object store) elsewhere."""
    if is_remote(url):
        fs, path = filesystem(url)
        fs.pipe_file(path, text.encode("utf-8"))
        return
    path = local_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_json(url: str) -> Any:
    """The JSON at ``url``, or ``None`` when there is none.

    Raises:
        DatasetError: The file is not valid JSON (the message names it).
    """
    text = read_text(url)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DatasetError(f"'{url}' is not valid JSON ({error}); fix or delete it.") from error


def write_json(url: str, value: Any) -> None:
    """Write ``value`` as indented JSON to ``url``, whole or not at all."""
    write_text(url, json.dumps(value, indent=2, default=str))


def remove(url: str) -> None:
    """Delete the file or folder at ``url`` (nothing when it is missing)."""
    if not is_remote(url):
        path = local_path(url)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        return
    fs, path = filesystem(url)
    try:
        fs.rm(path, recursive=True)
    except FileNotFoundError:
        pass


def listing(url: str) -> dict[str, int]:
    """The files under the folder ``url``: relative name → size (``{}`` when it is missing)."""
    if not is_remote(url):
        root = local_path(url)
        if not root.is_dir():
            return {}
        return {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()}
    fs, path = filesystem(url)
    fs.invalidate_cache(path)
    try:
        found = fs.find(path, detail=True)
    except FileNotFoundError:
        return {}
    prefix = path.rstrip("/") + "/"
    return {name[len(prefix) :]: int(info.get("size") or 0) for name, info in found.items() if name != path}


def folders(url: str) -> list[str]:
    """The names of the folders directly under ``url`` (``[]`` when it is missing)."""
    if not is_remote(url):
        root = local_path(url)
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    fs, path = filesystem(url)
    try:
        entries = fs.ls(path, detail=True, refresh=True)
    except FileNotFoundError:
        return []
    return sorted(e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e["type"] == "directory")


def upload_folder(local: Path, url: str) -> None:
    """Copy the local folder ``local`` to ``url`` (a new folder; files are written one by one)."""
    if not is_remote(url):
        target = local_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(local, target, dirs_exist_ok=True)
        return
    fs, path = filesystem(url)
    for file in sorted(p for p in Path(local).rglob("*") if p.is_file()):
        fs.put_file(str(file), f"{path.rstrip('/')}/{file.relative_to(local).as_posix()}")


def _signature(url: str) -> str:
    """What identifies the content at a remote ``url``: its files' names, sizes and ETags."""
    fs, path = filesystem(url)
    fs.invalidate_cache(path)
    if fs.isfile(path):
        info = {path: fs.info(path)}
    else:
        info = fs.find(path, detail=True)
    summary = sorted(
        (name, i.get("size"), i.get("ETag") or i.get("etag") or i.get("mtime")) for name, i in info.items()
    )
    return hashlib.sha256(json.dumps(summary, default=str).encode()).hexdigest()[:16]


def local_copy(url: str, *, kind: str = "data") -> Path:
    """A local path holding what ``url`` holds (a file or a folder): ``url`` itself when it is local,
    else a copy in the local cache (``<cache>/<kind>/<url key>/<content key>/``), downloaded once per
    content: a changed object gets a new copy, an unchanged one is reused.

    Raises:
        DatasetError: Nothing is stored at ``url``.
    """
    if not is_remote(url):
        return local_path(url)
    if not exists(url):
        raise DatasetError(f"Nothing is stored at '{url}'.")
    fs, path = filesystem(url)
    name = path.rstrip("/").rsplit("/", 1)[-1]
    folder = cache_root() / kind / cache_key(url)
    target = folder / _signature(url) / name
    if target.exists():
        return target
    staging = folder / f".staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        if fs.isdir(path):
            fs.get(path.rstrip("/") + "/", str(staging / name), recursive=True)
        else:
            fs.get_file(path, str(staging / name))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(staging / name, target)
        except OSError:  # another process cached the same content first
            if not target.exists():
                raise
        logger.info("Copied %s to the local cache %s", url, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for old in folder.iterdir():  # earlier contents of the same URL
        if old.is_dir() and old.name != target.parent.name and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return target


def keep_local_folder(source: Path, target: Path) -> None:
    """Move the local folder ``source`` to ``target`` (a cache entry); when another process put the same
    entry there first, theirs stays."""
    if not Path(source).is_dir():
        raise DatasetError(f"'{source}' is not a folder: nothing to keep.")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(source, target)
    except OSError:
        if not target.exists():
            raise


def scratch_folder(prefix: str) -> Path:
    """A new empty local folder for files on their way to ``url`` (under the cache, on its disk)."""
    root = cache_root() / "scratch"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=root))


_REACHED: set[tuple[str, tuple[str | None, ...]]] = set()  # buckets found usable by this process


def check_root(setting: str, url: str) -> None:
    """Stop early, in one sentence, when the data root ``url`` cannot be used: an unknown scheme, a missing
    driver, an unreachable endpoint, a missing bucket or credentials that are refused.

    Raises:
        StorageError: naming ``setting``, ``url`` and what failed.
    """
    if not is_remote(url):
        folder = local_path(url)
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if not existing.is_dir():
            raise StorageError(f"{setting} = '{url}': '{existing}' is a file, not a folder.")
        if not os.access(existing, os.W_OK):
            raise StorageError(
                f"{setting} = '{url}': the folder cannot be written ('{existing}' is read-only)."
            )
        return
    try:
        fs, path = filesystem(url)
    except StorageError as error:
        raise StorageError(f"{setting} = {error}") from error
    if protocol(url) in ("s3", "s3a"):
        # a run creates its context more than once: check a bucket once per process and way to reach it
        reach = tuple(os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"))
        if (url, reach) not in _REACHED:
            _check_s3(setting, url, path.split("/", 1)[0])
            _REACHED.add((url, reach))
        return
    try:
        fs.ls(path.split("/", 1)[0], refresh=True)
    except FileNotFoundError as error:
        raise StorageError(f"{setting} = '{url}': the bucket does not exist ({error}).") from error
    except Exception as error:  # every driver raises its own errors for a refused or unreachable store
        raise StorageError(f"{setting} = '{url}': the store cannot be reached ({error}).") from error


def s3_client() -> Any:
    """A boto3 S3 client configured the standard way (``AWS_ENDPOINT_URL``, the AWS variables or profile)."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5)
    return boto3.session.Session().client("s3", config=config)  # credentials as they are now, not cached


def _check_s3(setting: str, url: str, bucket: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

    client = s3_client()
    endpoint = client.meta.endpoint_url
    try:
        client.head_bucket(Bucket=bucket)
    except NoCredentialsError as error:
        raise StorageError(
            f"{setting} = '{url}': no S3 credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "or AWS_PROFILE)."
        ) from error
    except EndpointConnectionError as error:
        raise StorageError(
            f"{setting} = '{url}': the S3 endpoint {endpoint} cannot be reached ({error})."
        ) from error
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise StorageError(
                f"{setting} = '{url}': the bucket '{bucket}' does not exist at {endpoint}."
            ) from error
        if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            raise StorageError(
                f"{setting} = '{url}': {endpoint} refused the credentials for bucket '{bucket}' ({code})."
            ) from error
        raise StorageError(
            f"{setting} = '{url}': {endpoint} answered {code} for bucket '{bucket}'."
        ) from error
    except BotoCoreError as error:
        raise StorageError(f"{setting} = '{url}': the S3 endpoint {endpoint} failed ({error}).") from error
