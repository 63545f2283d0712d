"""Timestamps and file contents for stamping records: one format, one way to read files in blocks."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

BLOCK = 1 << 20


def utc_now() -> str:
    """The current time as ISO 8601 UTC to the second (``2026-11-24T18:31:37Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def file_blocks(path: Path) -> Iterator[bytes]:
    """The bytes of ``path`` in 1 MiB blocks (for hashing large files in constant memory)."""
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            yield block


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    for block in file_blocks(path):
        digest.update(block)
    return digest.hexdigest()
