"""The champion store and candidate exports are replaced whole or not at all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from kedro.io.core import DatasetError

from rnn_pipelines.datasets import saved_model
from rnn_pipelines.datasets.saved_model import ChampionDataset, SavedModelDataset


def fake_export(folder: Path, marker: str) -> Path:
    """A folder shaped like a SavedModel (what the store copies), tagged with ``marker``."""
    folder.mkdir(parents=True)
    (folder / "saved_model.pb").write_text(marker)
    (folder / "variables").mkdir()
    (folder / "variables" / "variables.index").write_text(marker)
    return folder


def decision(model_dir: Path, blessed: bool = True, accuracy: float = 0.9) -> dict:
    return {
        "blessed": blessed,
        "reason": "test",
        "record": {"variant": "gru", "test_accuracy": accuracy},
        "model_dir": str(model_dir),
    }


@pytest.fixture
def store(tmp_path: Path) -> ChampionDataset:
    return ChampionDataset(path=str(tmp_path / "models" / "champion"))


def test_no_champion_reads_as_empty(store: ChampionDataset) -> None:
    assert store.load() == {}
    assert not store.exists()


def test_blessed_candidate_becomes_the_champion_with_its_record(store, tmp_path) -> None:
    store.save(decision(fake_export(tmp_path / "candidate", "new")))
    champion = tmp_path / "models" / "champion"
    assert (champion / "saved_model.pb").read_text() == "new"
    record = store.load()
    assert record["variant"] == "gru" and record["test_accuracy"] == 0.9
    assert record["path"] == str(champion) and "blessed_at" in record
    assert json.loads((champion / "champion.json").read_text())["mlflow_run_id"] is None  # no active run


def test_a_rejected_candidate_changes_nothing(store, tmp_path) -> None:
    store.save(decision(fake_export(tmp_path / "first", "old")))
    before = store.load()
    store.save(decision(fake_export(tmp_path / "second", "new"), blessed=False))
    assert store.load() == before
    assert (tmp_path / "models" / "champion" / "saved_model.pb").read_text() == "old"


def test_a_crash_while_copying_leaves_the_old_champion_intact(store, tmp_path, monkeypatch) -> None:
    store.save(decision(fake_export(tmp_path / "first", "old")))

    def copy_half_then_crash(source, target, **kwargs):
        Path(target).mkdir()
        shutil.copy(Path(source) / "saved_model.pb", Path(target) / "saved_model.pb")
        raise OSError("disk full")

    monkeypatch.setattr(saved_model.shutil, "copytree", copy_half_then_crash)
    with pytest.raises(DatasetError, match="disk full"):
        store.save(decision(fake_export(tmp_path / "second", "new"), accuracy=0.95))
    assert (tmp_path / "models" / "champion" / "saved_model.pb").read_text() == "old"
    assert store.load()["test_accuracy"] == 0.9
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["champion"]  # no staging left


def test_a_crash_between_the_two_renames_is_recovered(store, tmp_path) -> None:
    store.save(decision(fake_export(tmp_path / "first", "old")))
    champion = tmp_path / "models" / "champion"
    champion.rename(champion.with_name("champion.previous"))  # the state a crash mid-swap leaves
    assert store.load()["test_accuracy"] == 0.9
    assert (champion / "saved_model.pb").read_text() == "old"


def test_a_corrupt_record_is_reported_with_its_path(store, tmp_path) -> None:
    store.save(decision(fake_export(tmp_path / "first", "old")))
    (tmp_path / "models" / "champion" / "champion.json").write_text("{not json")
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


def test_loading_a_missing_candidate_says_to_export_first(tmp_path) -> None:
    with pytest.raises(DatasetError, match="run the export first"):
        SavedModelDataset(filepath=str(tmp_path / "none")).load()
