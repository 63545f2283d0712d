"""Timestamps and file contents for stamping records: one format, one way to read files in blocks."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def file_manifest(root: Path, paths: dict[str, Path | None]) -> dict[str, Any]:
    """SHA-256, size and line count of each data file (None or missing files are recorded as such)."""
    manifest: dict[str, Any] = {}
    for name, rel in paths.items():
        if rel is None:
            manifest[name] = None
            continue
        path = root / rel
        if not path.is_file():
            manifest[name] = {"path": str(rel), "missing": True}
            continue
        digest = hashlib.sha256()
        lines = 0
        for block in file_blocks(path):
            digest.update(block)
            lines += block.count(b"\n")
        manifest[name] = {
            "path": str(rel),
            "sha256": digest.hexdigest(),
            "bytes": path.stat().st_size,
            "records": lines,
        }
    return manifest
