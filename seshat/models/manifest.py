"""Base models on this machine: the small models that packages embed, GGUF import, hub download.

Every model folder Seshat writes carries ``seshat-model.json``: where it came from (package, GGUF
file with its SHA-256, or hub id and commit), its licence when known, and when it was written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seshat.stamps import utc_now
from seshat.yamlio import atomic_write_text

MANIFEST = "seshat-model.json"


def write_manifest(folder: Path, about: dict[str, Any]) -> dict[str, Any]:
    """Write ``seshat-model.json`` into ``folder`` (with the time); return what was written."""
    record = {**about, "written_at": utc_now()}
    atomic_write_text(folder / MANIFEST, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return record


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's ``seshat-model.json``, or None when Seshat did not write it (or it is torn)."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
