"""The champion store and candidate exports: new versions made current by one pointer write, so a reader
finds the old model or the new one, never a partial one, on a local disk as on an object store (the same
checks run against a real S3 server in tests/integration/test_team_storage.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kedro.io.core import DatasetError

from rnn_pipelines.datasets import saved_model, storage
from rnn_pipelines.datasets.saved_model import ChampionDataset, SavedModelDataset, VersionedFolder


def fake_export(folder: Path, marker: str) -> Path:
    """A folder shaped like a SavedModel (what the store copies), tagged with ``marker``."""
    folder.mkdir(parents=True)
    (folder / "saved_model.pb").write_text(marker)
    (folder / "variables").mkdir()
    (folder / "variables" / "variables.index").write_text(marker * 100)
    return folder


def decision(model_dir: Path, blessed: bool = True, accuracy: float = 0.9, variant: str = "gru") -> dict:
    return {
        "blessed": blessed,
        "reason": "test",
        "record": {"variant": variant, "test_accuracy": accuracy},
        "model_dir": str(model_dir),
    }


def served(store: ChampionDataset) -> tuple[str, str]:
    """What a reader gets: the record's variant and the model file's marker (from one local copy)."""
    record = store.load()
    folder = Path(record["path"])
    return record["variant"], (folder / "saved_model.pb").read_text()


# Each step of a promotion, and how a crash there is made: (what to patch, the replacement).
UPLOAD = storage.upload_folder


def _upload_half(local: Path, url: str) -> None:
    """Upload the first of the folder's files, then fail (a connection lost mid-upload)."""
    first = sorted(p for p in Path(local).rglob("*") if p.is_file())[0]
    half = Path(local).parent / "half"
    (half / first.relative_to(local)).parent.mkdir(parents=True)
    (half / first.relative_to(local)).write_bytes(first.read_bytes())
    UPLOAD(half, url)
    raise OSError("connection reset mid-upload")


def _raise(*args, **kwargs):
    raise OSError("crashed here")


CRASHES = {
    "upload": (storage, "upload_folder", _upload_half),
    "verify": (VersionedFolder, "verify", staticmethod(_raise)),
    "point": (VersionedFolder, "point", _raise),
    "alias": (ChampionDataset, "_move_alias", _raise),
    "prune": (VersionedFolder, "prune", _raise),
}
AFTER_THE_POINTER = {"alias", "prune"}  # a crash there leaves readers on the new champion


def crash_during_promotion(url: str, step: str, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Promote ``old``, then crash promoting ``new`` at ``step``; a fresh reader must find a whole champion
    (the old before the pointer moved, the new after), and the next promotion must clean up."""
    ChampionDataset(path=url).save(decision(fake_export(work / "old", "old"), variant="old"))
    owner, name, replacement = CRASHES[step]
    with monkeypatch.context() as patch:
        patch.setattr(owner, name, replacement)
        with pytest.raises((OSError, DatasetError), match=r"crashed here|mid-upload"):
            ChampionDataset(path=url).save(decision(fake_export(work / "new", "new"), variant="new"))
    expected = ("new", "new") if step in AFTER_THE_POINTER else ("old", "old")
    assert served(ChampionDataset(path=url)) == expected
    # the next promotion works and removes what the crash left (at most `keep` versions stay)
    ChampionDataset(path=url, keep=1).save(decision(fake_export(work / "next", "next"), variant="next"))
    assert served(ChampionDataset(path=url)) == ("next", "next")
    assert len(storage.folders(url)) == 1


@pytest.fixture
def store(tmp_path: Path) -> ChampionDataset:
    return ChampionDataset(path=str(tmp_path / "models" / "champion"))


def test_no_champion_reads_as_empty(store: ChampionDataset) -> None:
    assert store.load() == {}
    assert not store.exists()


def test_blessed_candidate_becomes_the_current_version_with_its_record(store, tmp_path) -> None:
    store.save(decision(fake_export(tmp_path / "candidate", "new")))
    champion = tmp_path / "models" / "champion"
    pointer = json.loads((champion / "current.json").read_text())
    version = champion / pointer["version"]
    assert (version / "saved_model.pb").read_text() == "new"
    record = store.load()
    assert record["variant"] == "gru" and record["test_accuracy"] == 0.9
    assert record["path"] == str(version) and "blessed_at" in record
    assert json.loads((version / "champion.json").read_text())["mlflow_run_id"] is None  # no active run


def test_a_rejected_candidate_changes_nothing(store, tmp_path) -> None:
    store.save(decision(fake_export(tmp_path / "first", "old")))
    before = store.load()
    store.save(decision(fake_export(tmp_path / "second", "new"), blessed=False))
    assert store.load() == before
    assert served(store) == ("gru", "old")


@pytest.mark.parametrize("step", sorted(CRASHES))
def test_a_crash_at_any_step_of_a_promotion_leaves_a_whole_champion(step, tmp_path, monkeypatch) -> None:
    crash_during_promotion(str(tmp_path / "models" / "champion"), step, tmp_path, monkeypatch)


def test_the_last_keep_champions_stay(tmp_path) -> None:
    url = str(tmp_path / "champion")
    for number in range(5):
        ChampionDataset(path=url, keep=3).save(decision(fake_export(tmp_path / f"c{number}", f"m{number}")))
    pointer = json.loads((tmp_path / "champion" / "current.json").read_text())
    assert storage.folders(url) == pointer["history"] and len(pointer["history"]) == 3
    assert pointer["version"] == pointer["history"][-1]
    assert served(ChampionDataset(path=url)) == ("gru", "m4")


def test_a_champion_stored_before_versions_is_still_read(tmp_path) -> None:
    legacy = fake_export(tmp_path / "champion", "legacy")
    (legacy / "champion.json").write_text(json.dumps({"variant": "lstm", "test_accuracy": 0.8}))
    store = ChampionDataset(path=str(legacy))
    assert served(store) == ("lstm", "legacy")
    store.save(decision(fake_export(tmp_path / "new", "new"), accuracy=0.95))
    assert served(ChampionDataset(path=str(legacy))) == ("gru", "new")
    assert (legacy / "variables" / "variables.index").exists()  # the legacy files are not pruned


def test_a_corrupt_record_is_reported_with_its_path(store, tmp_path) -> None:
    store.save(decision(fake_export(tmp_path / "first", "old")))
    version = Path(store.load()["path"])
    (version / "champion.json").write_text("{not json")
    with pytest.raises(DatasetError, match=r"champion\.json' is not valid JSON"):
        store.load()


class CrashingArchive:
    """Writes part of a SavedModel, then fails, like an export killed halfway."""

    def write_out(self, path: str, verbose: bool = False) -> None:
        Path(path).mkdir()
        (Path(path) / "saved_model.pb").write_text("partial")
        raise RuntimeError("killed")


class Archive:
    def write_out(self, path: str, verbose: bool = False) -> None:
        fake_export(Path(path), "complete")


def test_a_crashed_candidate_export_keeps_the_previous_candidate(tmp_path) -> None:
    dataset = SavedModelDataset(filepath=str(tmp_path / "candidate"))
    dataset.save(Archive())
    with pytest.raises(DatasetError, match="killed"):
        dataset.save(CrashingArchive())
    assert (Path(dataset.load()) / "saved_model.pb").read_text() == "complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["candidate"]
    assert len(storage.folders(str(tmp_path / "candidate"))) == 1  # the partial export never arrived


def test_loading_a_missing_candidate_says_to_export_first(tmp_path) -> None:
    with pytest.raises(DatasetError, match="run the export first"):
        SavedModelDataset(filepath=str(tmp_path / "none")).load()


def test_a_version_that_arrived_with_another_size_is_never_made_current(tmp_path, monkeypatch) -> None:
    url = str(tmp_path / "champion")
    ChampionDataset(path=url).save(decision(fake_export(tmp_path / "old", "old")))
    real = storage.upload_folder

    def truncate(local: Path, target: str) -> None:
        real(local, target)
        index = Path(target) / "variables" / "variables.index"
        index.write_text(index.read_text()[:10])

    monkeypatch.setattr(saved_model.storage, "upload_folder", truncate)
    with pytest.raises(DatasetError, match="was not written whole"):
        ChampionDataset(path=url).save(decision(fake_export(tmp_path / "new", "new")))
    assert served(ChampionDataset(path=url)) == ("gru", "old")
