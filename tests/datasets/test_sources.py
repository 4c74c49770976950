"""Source resolution order, clear errors when nothing is found, and verified atomic downloads."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from kedro.io.core import DatasetError

from rnn_pipelines.datasets.sources import MIRROR_ENV_VAR, RemoteFile, SourceSpec, download, resolve_source

PAYLOAD = b"Date,Temp\n1981-01-01,20.7\n" * 100


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on loopback serving ``tmp_path/served`` (stopped after the test)."""
    root = tmp_path / "served"
    root.mkdir()
    (root / "data.csv").write_bytes(PAYLOAD)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def spec(tmp_path: Path, **overrides) -> SourceSpec:
    values = dict(
        name="Test data",
        filepath=None,
        mirror=None,
        cache_dir=str(tmp_path / "cache"),
        candidates=("data.csv",),
        remote=None,
    )
    values.update(overrides)
    return SourceSpec(**values)


def test_configured_path_wins_over_mirror_and_cache(tmp_path: Path) -> None:
    for folder in ("configured", "mirror", "cache"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "data.csv").write_text(folder)
    resolved = resolve_source(
        spec(tmp_path, filepath=str(tmp_path / "configured" / "data.csv"), mirror=str(tmp_path / "mirror"))
    )
    assert resolved.read_text() == "configured"


def test_mirror_wins_over_cache(tmp_path: Path) -> None:
    for folder in ("mirror", "cache"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "data.csv").write_text(folder)
    assert resolve_source(spec(tmp_path, mirror=str(tmp_path / "mirror"))).read_text() == "mirror"


def test_mirror_comes_from_environment_when_not_configured(tmp_path, monkeypatch) -> None:
    (tmp_path / "env_mirror").mkdir()
    (tmp_path / "env_mirror" / "data.csv").write_text("env")
    monkeypatch.setenv(MIRROR_ENV_VAR, str(tmp_path / "env_mirror"))
    assert resolve_source(spec(tmp_path)).read_text() == "env"


def test_cache_used_when_no_mirror(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(MIRROR_ENV_VAR, raising=False)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "data.csv").write_text("cache")
    assert resolve_source(spec(tmp_path)).read_text() == "cache"


def test_missing_configured_path_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "data.csv").write_text("cache")
    with pytest.raises(DatasetError, match=r"configured path '.*nowhere.csv' does not exist"):
        resolve_source(spec(tmp_path, filepath=str(tmp_path / "nowhere.csv")))


def test_nothing_found_offline_says_where_to_put_the_file(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(MIRROR_ENV_VAR, raising=False)
    remote = RemoteFile(url="http://127.0.0.1:9/data.csv", filename="data.csv")  # port 9: nothing listens
    with pytest.raises(DatasetError) as err:
        resolve_source(spec(tmp_path, remote=remote))
    message = str(err.value)
    assert "download of http://127.0.0.1:9/data.csv failed" in message
    assert f"Put 'data.csv' in the cache folder '{tmp_path / 'cache'}'" in message
    assert MIRROR_ENV_VAR in message
    assert not (tmp_path / "cache" / "data.csv").exists()


def test_download_verifies_and_lands_in_cache(tmp_path, served, monkeypatch) -> None:
    monkeypatch.delenv(MIRROR_ENV_VAR, raising=False)
    remote = RemoteFile(
        url=f"{served}/data.csv",
        filename="data.csv",
        size=len(PAYLOAD),
        checksum="sha256:" + hashlib.sha256(PAYLOAD).hexdigest(),
    )
    path = resolve_source(spec(tmp_path, remote=remote))
    assert path == tmp_path / "cache" / "data.csv"
    assert path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in path.parent.iterdir()) == ["data.csv"]  # no temporary left behind


@pytest.mark.parametrize(
    ("size", "checksum", "message"),
    [
        (len(PAYLOAD) + 1, None, r"has 2600 bytes, expected 2601"),
        (None, "md5:" + "0" * 32, "has checksum .* expected 0+"),
    ],
)
def test_bad_download_never_reaches_the_cache(tmp_path, served, size, checksum, message) -> None:
    remote = RemoteFile(url=f"{served}/data.csv", filename="data.csv", size=size, checksum=checksum)
    destination = tmp_path / "cache" / "data.csv"
    with pytest.raises(DatasetError, match=message):
        download(remote, destination)
    assert list(destination.parent.iterdir()) == []
