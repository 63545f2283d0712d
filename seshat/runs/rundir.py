"""The run directory ``runs/<id>/``: what a run used, what it did, and where it stands.

Every file is written atomically (temp file + rename), so a run killed at any moment leaves each
file either in its old or its new state.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seshat import __version__
from seshat.errors import SeshatError
from seshat.run_records import read_json, read_spec
from seshat.stamps import utc_now
from seshat.yamlio import atomic_write_text, dump_yaml

STATES = ("created", "running", "succeeded", "failed", "interrupted")


@dataclass(frozen=True)
class RunDir:
    """One run's folder.

    Attributes:
        root: The project folder.
        run_id: The run's id (its folder name under ``runs/``).
    """

    root: Path
    run_id: str

    @property
    def rel(self) -> Path:
        """The run folder relative to the project (what rendered configs refer to)."""
        return Path("runs") / self.run_id

    @property
    def path(self) -> Path:
        """The run folder."""
        return self.root / self.rel

    @property
    def output(self) -> Path:
        """The backend's output dir (adapter, checkpoints)."""
        return self.path / "output"

    @property
    def logs(self) -> Path:
        """Folder of the complete stdout and stderr logs."""
        return self.path / "logs"

    def write_json(self, name: str, data: Any) -> None:
        """Write ``name`` as pretty JSON, atomically."""
        atomic_write_text(
            self.path / name, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
        )

    def read_json(self, name: str) -> Any:
        """Read ``name`` as JSON."""
        return read_json(self.path, name)

    def spec(self) -> dict[str, Any]:
        """The resolved spec the run was started with (``spec.yaml``)."""
        return read_spec(self.path)

    def status(self) -> dict[str, Any]:
        """The current ``status.json``."""
        return self.read_json("status.json")

    def set_status(self, state: str, **fields: Any) -> dict[str, Any]:
        """Move to ``state`` and merge ``fields`` into ``status.json``."""
        assert state in STATES
        current = (
            self.status() if (self.path / "status.json").is_file() else {"run_id": self.run_id}
        )
        current.update(fields, state=state, updated_at=utc_now())
        self.write_json("status.json", current)
        return current


def new_run_id(root: Path, backend: str, profile: str) -> str:
    """A fresh, sortable id: ``YYYYmmdd-HHMMSS-<backend>-<profile>`` (``-2``, ``-3``… on a clash)."""
    base = f"{time.strftime('%Y%m%d-%H%M%S')}-{backend}-{profile}"
    run_id, n = base, 1
    while (root / "runs" / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def find_run(root: Path, name: str) -> RunDir:
    """Find a run by id, unique id prefix, or ``latest``.

    Raises:
        SeshatError: No such run, or an ambiguous prefix.
    """
    runs = sorted(p.name for p in (root / "runs").glob("*") if (p / "status.json").is_file())
    if name == "latest" and runs:
        return RunDir(root, runs[-1])
    matches = [r for r in runs if r == name] or [r for r in runs if r.startswith(name)]
    if len(matches) == 1:
        return RunDir(root, matches[0])
    known = ", ".join(runs[-5:]) or "none yet"
    what = "is ambiguous" if matches else "does not exist"
    raise SeshatError(
        f"Run {name!r} {what} in {root / 'runs'} (latest: {known}).",
        "list runs with `seshat runs list`",
    )


def environment_text(root: Path, freeze: Path | None) -> str:
    """Seshat's version, the project's git commit and the backend env's ``pip freeze``."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=10
        )
        return done.stdout.strip()

    try:
        commit, dirty = (
            git("rev-parse", "HEAD") or "not a git repository",
            git("status", "--porcelain"),
        )
    except (OSError, subprocess.TimeoutExpired):
        commit, dirty = "git not available", ""
    lines = [
        f"seshat {__version__}",
        f"project git commit: {commit}{' (uncommitted changes)' if dirty else ''}",
    ]
    if freeze is not None and freeze.is_file():
        lines += ["", "# backend env (pip freeze)", freeze.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def write_spec(run: RunDir, spec: dict[str, Any]) -> None:
    """Write the resolved Seshat spec (``spec.yaml``)."""
    atomic_write_text(run.path / "spec.yaml", dump_yaml(spec))
