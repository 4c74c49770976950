"""ImdbReviewsDataset reads an aclImdb archive, folder or CSV, and explains bad sources."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from kedro.io.core import DatasetError

from rnn_pipelines.datasets import ImdbReviewsDataset
from tests.conftest import TINY_REVIEWS, write_acl_archive


def load(path: Path) -> pd.DataFrame:
    return ImdbReviewsDataset(filepath=str(path), download=False).load()


def test_archive_and_folder_give_the_same_table(acl_archive: Path, acl_tree: Path) -> None:
    from_archive = load(acl_archive).sort_values("review_id").reset_index(drop=True)
    from_folder = load(acl_tree).sort_values("review_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(from_archive, from_folder)
    assert len(from_archive) == sum(len(v) for v in TINY_REVIEWS.values())


def test_archive_rows_carry_split_polarity_rating_and_file_id(acl_archive: Path) -> None:
    table = load(acl_archive).set_index("review_id")
    row = table.loc["train/pos/0_9"]
    assert (row["split"], row["sentiment"], row["rating"]) == ("train", "pos", 9)
    assert row["text"] == "A wonderful film.<br /><br />Loved it."


def test_unsup_and_other_files_are_skipped(tmp_path: Path) -> None:
    archive = write_acl_archive(tmp_path, raw={"train/unsup/0_0.txt": b"no label", "imdb.vocab": b"the\n"})
    assert not load(archive)["review_id"].str.contains("unsup").any()


def test_undecodable_bytes_are_kept_as_replacement_characters(tmp_path: Path) -> None:
    archive = write_acl_archive(tmp_path, raw={"train/pos/9_8.txt": b"caf\xe9 latte"})
    text = load(archive).set_index("review_id").loc["train/pos/9_8", "text"]
    assert text == "caf\ufffd latte"


def test_truncated_archive_names_the_file(acl_archive: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(acl_archive.read_bytes()[: acl_archive.stat().st_size // 2])
    with pytest.raises(DatasetError, match=r"IMDB archive '.*truncated.tar.gz' is corrupt or truncated"):
        load(truncated)


def test_garbage_file_is_reported_as_corrupt(tmp_path: Path) -> None:
    garbage = tmp_path / "aclImdb_v1.tar.gz"
    garbage.write_bytes(gzip.compress(b"this is not a tar archive" * 40))
    with pytest.raises(DatasetError, match="corrupt or truncated"):
        load(garbage)


def test_folder_without_reviews_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "aclImdb" / "train").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"holds no labeled IMDB reviews"):
        load(tmp_path)


def test_csv_source_keeps_line_numbers_as_ids(review_csv: Path) -> None:
    table = load(review_csv)
    assert table["review_id"].iloc[0] == "imdb_reviews.csv:2"
    assert set(table["sentiment"]) == {"positive", "negative"}
    assert table["split"].isna().all() and table["rating"].isna().all()


def test_csv_with_wrong_columns_names_file_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    pd.DataFrame({"text": ["great"], "label": ["positive"]}).to_csv(path, index=False)
    with pytest.raises(DatasetError, match=r"reviews.csv' lacks the column\(s\) \['review', 'sentiment'\]"):
        load(path)


def test_mirror_is_searched_for_the_labeled_repack(tmp_path: Path) -> None:
    write_acl_archive(tmp_path / "mirror", name="aclImdb_v1_labeled.tar.gz")
    dataset = ImdbReviewsDataset(
        mirror=str(tmp_path / "mirror"), cache_dir=str(tmp_path / "cache"), download=False
    )
    assert len(dataset.load()) == 12


def test_dataset_is_read_only(acl_archive: Path) -> None:
    with pytest.raises(DatasetError, match="read-only"):
        ImdbReviewsDataset(filepath=str(acl_archive)).save(pd.DataFrame({"text": ["x"]}))


def test_archive_cut_anywhere_is_reported_never_read_as_a_smaller_data_set(
    acl_archive: Path, tmp_path: Path
) -> None:
    # tarfile takes a stream that stops between two members for the archive's end; the gzip stream
    # still knows it was cut. Every cut point of the miniature archive must be reported.
    data = acl_archive.read_bytes()
    truncated = tmp_path / "cut.tar.gz"
    accepted = []
    for offset in range(10, len(data)):
        truncated.write_bytes(data[:offset])
        try:
            load(truncated)
        except DatasetError as err:
            assert "is corrupt or truncated" in str(err)
        else:
            accepted.append(offset)
    assert accepted == [], f"cut archives read without an error at byte offsets {accepted[:10]}"
