"""The one reader of a run folder's recorded files (``spec.yaml``, ``status.json``, ...).

Kept at the bottom so that any layer (the access gate, evaluation, export) reads a run's
records the same way; :class:`seshat.runs.rundir.RunDir` reads through it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

SPEC = "spec.yaml"


def read_spec(run_path: Path) -> dict[str, Any]:
    """The resolved spec a run was started with (``spec.yaml``; empty if the file is empty)."""
    return yaml.safe_load((run_path / SPEC).read_text(encoding="utf-8")) or {}


def read_spec_text(run_path: Path) -> str:
    """``spec.yaml`` as written (for hashing)."""
    return (run_path / SPEC).read_text(encoding="utf-8")


def read_json(run_path: Path, name: str) -> Any:
    """A JSON record of the run (``status.json``, ``data.json``, ``launch.json``...)."""
    return json.loads((run_path / name).read_text(encoding="utf-8"))
