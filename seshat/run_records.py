"""The one reader of a run folder's recorded files (``spec.yaml``, ``status.json``, ...).

Kept at the bottom so that any layer (the access gate, evaluation, export) reads a run's
records the same way; :class:`seshat.runs.rundir.RunDir` reads through it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from seshat.errors import SeshatError

SPEC = "spec.yaml"


class RunRecordError(SeshatError):
    """A run's record file that is missing, cut short or not what Seshat wrote."""


def _damaged(path: Path, why: object) -> RunRecordError:
    return RunRecordError(
        f"{path} cannot be read ({why}): the run folder was cut short or edited by hand, so "
        "Seshat will not guess what the run was.",
        f"restore {path.name} from a backup, or move the run folder {path.parent} out of runs/ "
        "(`seshat runs list` shows the others)",
    )


def read_spec(run_path: Path) -> dict[str, Any]:
    """The resolved spec a run was started with (``spec.yaml``; empty if the file is empty).

    Raises:
        RunRecordError: The file is missing or is not a YAML mapping.
    """
    path = run_path / SPEC
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _damaged(path, exc) from None
    if not isinstance(spec, dict):
        raise _damaged(path, f"a {type(spec).__name__}, not a mapping")
    return spec


def read_spec_text(run_path: Path) -> str:
    """``spec.yaml`` as written (for hashing)."""
    return (run_path / SPEC).read_text(encoding="utf-8")


def read_json(run_path: Path, name: str) -> Any:
    """A JSON record of the run (``status.json``, ``data.json``, ``launch.json``...).

    Raises:
        RunRecordError: The file is missing, cut short, or not JSON (``status.json``: not an
            object with a ``state``).
    """
    path = run_path / name
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _damaged(path, exc) from None
    if name == "status.json" and not (
        isinstance(found, dict) and isinstance(found.get("state"), str)
    ):
        raise _damaged(path, "no state in it")
    return found
