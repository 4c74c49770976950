"""The data root: local folders and URLs, whole-or-nothing writes, and the settings that stop a run early.
(The same functions against a real S3 server: tests/integration/test_team_storage.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.io.core import DatasetError

from rnn_pipelines.datasets import storage
from rnn_pipelines.datasets.storage import StorageError


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("data", "{project}/data"),
        ("/srv/team/data", "/srv/team/data"),
        ("file:///srv/team/data", "/srv/team/data"),
        ("s3://bucket/prefix/", "s3://bucket/prefix"),
        ("gs://bucket/prefix", "gs://bucket/prefix"),
    ],
)
def test_a_relative_root_is_made_absolute_against_the_project_and_a_url_is_kept(
    root: str, expected: str, tmp_path: Path
) -> None:
    assert storage.absolute(root, tmp_path) == expected.format(project=tmp_path)


def test_join_keeps_the_url_scheme_and_uses_the_local_separator_on_disk(tmp_path: Path) -> None:
    assert storage.join("s3://bucket/root/", "06_models", "x.json") == "s3://bucket/root/06_models/x.json"
    assert storage.join(str(tmp_path), "06_models", "x.json") == str(tmp_path / "06_models" / "x.json")
    assert storage.is_remote("abfs://container/x") and not storage.is_remote("file:///x")


def test_json_is_written_whole_and_read_back(tmp_path: Path) -> None:
    url = str(tmp_path / "records" / "state.json")
    assert storage.read_json(url) is None
    storage.write_json(url, {"a": [1, 2]})
    assert storage.read_json(url) == {"a": [1, 2]}
    assert [p.name for p in (tmp_path / "records").iterdir()] == ["state.json"]  # no temporary file left
    Path(url).write_text("{broken")
    with pytest.raises(DatasetError, match=r"state\.json' is not valid JSON"):
        storage.read_json(url)


def test_a_write_that_fails_leaves_the_previous_content(tmp_path: Path, monkeypatch) -> None:
    url = str(tmp_path / "state.json")
    storage.write_json(url, {"good": True})

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        storage.write_json(url, {"good": False})
    assert storage.read_json(url) == {"good": True}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_listing_folders_and_removal(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"12345")
    (folder / "variables" / "variables.index").write_bytes(b"12")
    assert storage.listing(str(folder)) == {"saved_model.pb": 5, "variables/variables.index": 2}
    assert storage.folders(str(folder)) == ["variables"]
    target = str(tmp_path / "copy")
    storage.upload_folder(folder, target)
    assert storage.listing(target) == storage.listing(str(folder))
    storage.remove(target)
    assert not storage.exists(target) and storage.listing(target) == {} and storage.folders(target) == []


def test_a_local_path_is_its_own_local_copy(tmp_path: Path) -> None:
    assert storage.local_copy(str(tmp_path)) == tmp_path


def test_the_cache_follows_its_variable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(storage.CACHE_VARIABLE, str(tmp_path / "cache"))
    assert storage.cache_root() == tmp_path / "cache"
    monkeypatch.delenv(storage.CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert storage.cache_root() == tmp_path / "xdg" / "rnn-pipelines"


def test_an_unknown_scheme_is_named_with_the_setting() -> None:
    with pytest.raises(
        StorageError, match=r"^data_root = 'nosuch://bucket/x': unknown storage scheme 'nosuch://'"
    ):
        storage.check_root("data_root", "nosuch://bucket/x")


def test_a_local_root_under_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(StorageError, match=r"data_root = '.+/data/team': '.+/data' is a file, not a folder"):
        storage.check_root("data_root", str(tmp_path / "data" / "team"))
    assert (tmp_path / "data").read_text() == "not a folder"


def test_a_local_root_that_does_not_exist_yet_is_fine(tmp_path: Path) -> None:
    storage.check_root("data_root", str(tmp_path / "new" / "data"))
