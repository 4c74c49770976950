"""Kedro dataset that reads the Large Movie Review Dataset (IMDB) from an archive, a folder or a CSV."""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import re
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
from kedro.io import AbstractDataset
from kedro.io.core import DatasetError
from tqdm.auto import tqdm

from rnn_pipelines.datasets.sources import DataSourceError, RemoteFile, SourceSpec, resolve_source

logger = logging.getLogger(__name__)

OFFICIAL_ARCHIVE = RemoteFile(
    url="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
    filename="aclImdb_v1.tar.gz",
    size=84_125_825,
    checksum="md5:7c2ac02c03563afcf9b574c7e56c153a",
)
# Names accepted in the mirror and the cache, best first (the labeled-only repack is a valid source).
CANDIDATES = ("aclImdb_v1.tar.gz", "aclImdb_v1_labeled.tar.gz", "aclImdb", "imdb_reviews.csv")
# aclImdb/<split>/<polarity>/<id>_<rating>.txt; unsup/ and the bag-of-words files are skipped.
_REVIEW_PATH = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
RAW_COLUMNS = ["review_id", "split", "sentiment", "rating", "text"]
CSV_COLUMNS = ("review", "sentiment")
EXPECTED_REVIEWS = 50_000  # for the progress bar only


def _decode(raw: bytes) -> str:
    # Bytes that are not UTF-8 become U+FFFD, which validation reports with the file's review id
    # (the reader must not crash on the first bad byte, and pandas' Arrow strings reject surrogates).
    return raw.decode("utf-8", errors="replace")


def _row(match: re.Match[str], raw: bytes) -> tuple[str, str, str, int, str]:
    split, polarity, file_id, rating = match.groups()
    return f"{split}/{polarity}/{file_id}_{rating}", split, polarity, int(rating), _decode(raw)


def _open_stream(path: Path) -> BinaryIO:
    """The archive's decompressed bytes; gzip, bzip2 and xz readers raise ``EOFError`` when the compressed
    stream stops before its end marker, and check its checksum at the end."""
    with path.open("rb") as handle:
        magic = handle.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rb")
    if magic.startswith(b"BZh"):
        return bz2.open(path, "rb")
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.open(path, "rb")
    return path.open("rb")


def _iter_tar(path: Path) -> Iterator[tuple[str, str, str, int, str]]:
    # Stream mode reads the archive once, front to back, without building a member index.
    with _open_stream(path) as stream, tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            match = _REVIEW_PATH.search(member.name)
            if match and member.isfile():
                handle = archive.extractfile(member)
                if handle is not None:
                    yield _row(match, handle.read())
        # tarfile takes a stream cut between two members for the archive's end; reading the compressed
        # stream to its own end marker (and checksum) tells the two apart
        while stream.read(1 << 20):
            pass


def _iter_folder(path: Path) -> Iterator[tuple[str, str, str, int, str]]:
    root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
    for file in sorted(root.glob("*/*/*.txt")):
        match = _REVIEW_PATH.search(file.relative_to(root).as_posix())
        if match:
            yield _row(match, file.read_bytes())


def read_review_tree(path: Path) -> pd.DataFrame:
    """Read every labeled review under an aclImdb archive or folder into a raw table.

    Raises:
        DatasetError: The archive is corrupt or truncated, or holds no labeled reviews.
    """
    reader = _iter_folder if path.is_dir() else _iter_tar
    try:
        # disable=None: a bar in a terminal, none in a log file (tqdm rewrites it in place)
        files = tqdm(reader(path), total=EXPECTED_REVIEWS, desc="IMDB reviews", unit="file", disable=None)
        rows = list(files)
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError) as err:
        raise DataSourceError(
            f"IMDB archive '{path}' is corrupt or truncated ({err}). Delete it and download "
            f"{OFFICIAL_ARCHIVE.url} again."
        ) from err
    if not rows:
        raise DataSourceError(
            f"'{path}' holds no labeled IMDB reviews: expected files named "
            "aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt."
        )
    frame = pd.DataFrame.from_records(rows, columns=RAW_COLUMNS)
    return frame.astype({"rating": "Int16"})


def read_review_csv(path: Path) -> pd.DataFrame:
    """Read the common 50k-review CSV (``review,sentiment``, optional ``split``) into a raw table.

    Raises:
        DatasetError: The file is not a readable CSV or lacks the ``review`` / ``sentiment`` columns.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="replace")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as err:
        raise DataSourceError(f"IMDB CSV '{path}' cannot be parsed: {err}") from err
    missing = [column for column in CSV_COLUMNS if column not in frame.columns]
    if missing:
        raise DataSourceError(
            f"IMDB CSV '{path}' lacks the column(s) {missing}; found {list(frame.columns)}. "
            "Expected a header with 'review,sentiment' (and optionally 'split')."
        )
    # Line numbers in the file (header is line 1) make every review traceable to its row.
    review_id = [f"{path.name}:{line}" for line in range(2, len(frame) + 2)]
    split = frame["split"] if "split" in frame.columns else pd.Series(pd.NA, index=frame.index)
    return pd.DataFrame(
        {
            "review_id": review_id,
            "split": split.astype("string"),
            "sentiment": frame["sentiment"].str.strip().str.lower(),
            "rating": pd.array([pd.NA] * len(frame), dtype="Int16"),
            "text": frame["review"],
        }
    )


class ImdbReviewsDataset(AbstractDataset[None, pd.DataFrame]):
    """Loads the labeled IMDB reviews as a raw table (``review_id, split, sentiment, rating, text``).

    The source is resolved in this order: ``filepath`` (an ``aclImdb_v1.tar.gz``, an extracted
    ``aclImdb/`` folder, or a ``review,sentiment`` CSV) → the data mirror → ``cache_dir`` → the
    official download (progress bar, size and MD5 checked). Read-only.

    Example catalog entry::

        imdb_reviews_raw:
          type: rnn_pipelines.datasets.ImdbReviewsDataset
          filepath: null
          mirror: ${globals:data_mirror}
          cache_dir: data/01_raw
    """

    def __init__(
        self,
        *,
        filepath: str | None = None,
        mirror: str | None = None,
        cache_dir: str = "data/01_raw",
        download: bool = True,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._spec = SourceSpec(
            name="IMDB reviews",
            filepath=filepath,
            mirror=mirror,
            cache_dir=cache_dir,
            candidates=CANDIDATES,
            remote=OFFICIAL_ARCHIVE,
            extra_hint=f"The official archive is {OFFICIAL_ARCHIVE.url}.",
        )
        self._download = download
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        """Resolve the source and read it into a raw table."""
        path = resolve_source(self._spec, allow_download=self._download)
        if path.suffix.lower() == ".csv":
            return read_review_csv(path)
        return read_review_tree(path)

    def save(self, data: None) -> None:
        raise DatasetError("ImdbReviewsDataset is read-only: it reads the raw reviews.")

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._spec.filepath,
            "mirror": self._spec.mirror,
            "cache_dir": self._spec.cache_dir,
        }
