"""Kedro dataset that reads a plain-text corpus (tiny-shakespeare by default, or any UTF-8 file)."""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset
from kedro.io.core import DatasetError

from rnn_pipelines.datasets.sources import DataSourceError, RemoteFile, SourceSpec, resolve_source

TINY_SHAKESPEARE = RemoteFile(
    url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
    filename="tinyshakespeare.txt",
    size=1_115_394,
    checksum="sha256:86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
)


class TextCorpusDataset(AbstractDataset[None, str]):
    """Loads a text corpus as one string: ``filepath`` → data mirror → cache → tiny-shakespeare download.

    Bytes that are not UTF-8 become U+FFFD, so validation can report the lines that hold them.
    Read-only.
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
            name="Text corpus",
            filepath=filepath,
            mirror=mirror,
            cache_dir=cache_dir,
            candidates=(TINY_SHAKESPEARE.filename,),
            remote=TINY_SHAKESPEARE,
        )
        self._download = download
        self.metadata = metadata

    def load(self) -> str:
        """Resolve the corpus file and return its text."""
        path = resolve_source(self._spec, allow_download=self._download)
        if path.is_dir():
            raise DataSourceError(f"Text corpus: '{path}' is a folder; point filepath at a text file.")
        return path.read_bytes().decode("utf-8", errors="replace")

    def save(self, data: None) -> None:
        raise DatasetError("TextCorpusDataset is read-only.")

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._spec.filepath,
            "mirror": self._spec.mirror,
            "cache_dir": self._spec.cache_dir,
        }
