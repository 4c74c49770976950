"""Provenance of a run: fingerprints of the data it read and the code version that ran."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd


def table_sha256(table: pd.DataFrame) -> str:
    """sha256 of a table's contents (row order and values, not the file format it came from)."""
    hashed = pd.util.hash_pandas_object(table, index=False).to_numpy()
    columns = ",".join(f"{c}:{t}" for c, t in table.dtypes.astype(str).items())
    return hashlib.sha256(columns.encode() + hashed.tobytes()).hexdigest()


def text_sha256(text: str) -> str:
    """sha256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def git_commit() -> dict[str, Any]:
    """The code version: the commit of the checkout this package runs from, and whether it has edits."""
    where = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(where), *args], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    try:
        return {"git_commit": git("rev-parse", "HEAD"), "git_dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": "unknown", "git_dirty": None}
