"""``seshat audit RUN|FILE``: which sources flowed into something, and where it went since.

A run is described by its ``access.json`` (records per source and level, written when it started)
and its ``access.jsonl`` (every decision of the access gate about it: W&B, reports, exports,
serving). A file is traced to what it came from: a GGUF or adapter to its run (by hash or folder),
a formatted split to its ``.meta.jsonl``, a record file to its records, an exported dataset to its
manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seshat.access import (
    ACCESS_FILE,
    LOG_NAME,
    Holdings,
    read_log,
    row_holdings,
    run_holdings,
    split_holdings,
)
from seshat.backends.base import is_adapter_folder
from seshat.corpus.jsonl import meta_path, read_json_lines
from seshat.errors import DataError, SeshatError
from seshat.labels.applied import AppliedLabel, per_source, run_labels
from seshat.runs.rundir import RunDir, find_run
from seshat.stamps import sha256_file


def _run_of_path(root: Path, path: Path) -> RunDir | None:
    """The run whose folder holds ``path``, or whose export has the same bytes (a copied GGUF)."""
    runs = root / "runs"
    resolved = path.resolve()
    if resolved.is_relative_to(runs.resolve()):
        parts = resolved.relative_to(runs.resolve()).parts
        if parts and (runs / parts[0] / "status.json").is_file():
            return RunDir(root, parts[0])
    if path.is_file() and path.suffix == ".gguf":
        digest = sha256_file(path)
        for record in sorted(runs.glob("*/export/export.json")):
            hashes = json.loads(record.read_text(encoding="utf-8")).get("sha256") or {}
            if digest in hashes.values():
                return RunDir(root, record.parent.parent.name)
    return None


def _destinations(root: Path, run: RunDir) -> dict[str, Any]:
    """Where the run's data and artifacts went: gate decisions, W&B, exports, the cloud."""
    status = run.status()
    decisions = read_log(run.path / LOG_NAME)
    wandb_dir = run.path / "wandb"
    launch = run.read_json("launch.json") if (run.path / "launch.json").is_file() else {}
    mode = (launch.get("tracking") or {}).get("mode", "offline")
    return {
        "decisions": decisions,
        "wandb": {
            "mode": mode,
            "offline_files": sorted(p.name for p in wandb_dir.glob("offline-run-*")),
            "uploaded_at": status.get("synced_at"),
            "logs_sent": bool((status.get("tracking") or {}).get("logs_sent")),
        },
        "export": status.get("export"),
        "profile": status.get("profile"),
        # project-wide moves of the data itself (not tied to one run)
        "project": [
            d
            for d in read_log(root / ".seshat" / LOG_NAME)
            if d["destination"] in {"cloud_launch", "dataset_export", "withdrawal"}
        ],
    }


def audit_run(root: Path, run: RunDir) -> dict[str, Any]:
    """What flowed into ``run`` (per split, source and level) and where it went."""
    path = run.path / ACCESS_FILE
    splits = {}
    try:
        record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        splits = {name: part["sources"] for name, part in record["splits"].items()}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        splits = {}  # damaged: run_holdings names it and counts the run as sacred
    held = run_holdings(run.path)
    labels = run_labels(run.path)
    return {
        "target": f"run {run.run_id}",
        "run": run.run_id,
        "level": held.level,
        "model_level": run_holdings(run.path, ("train",)).level,
        "levels": held.levels(),
        "sources": held.counts,
        "splits": splits,
        "recorded": path.is_file(),
        "labels": _labels(labels, held),
        "label_details": [label.to_dict() for label in labels],
        "went": _destinations(root, run),
    }


def _labels(labels: list[AppliedLabel], held: Holdings) -> dict[str, list[str]]:
    """The Local Contexts labels of each source of a run (the project's apply to every one)."""
    ids = sorted({label.source for label in labels if label.source} | set(held.counts))
    return {source: names for source, names in per_source(labels, ids).items() if names}


def _file_holdings(path: Path) -> tuple[Holdings, str]:
    """Holdings of a data file, and how they were found."""
    if path.is_dir() and (path / "manifest.json").is_file():  # an exported dataset
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        held = Holdings()
        for part in manifest["splits"].values():
            held.merge(Holdings.from_dict(part))
        return held, "exported dataset (manifest.json)"
    if path.suffix == ".jsonl" and meta_path(path).is_file():
        return split_holdings(path), f"formatted split ({meta_path(path).name})"
    if path.suffix == ".jsonl":
        rows = read_json_lines(path)
        if rows and "provenance" in rows[0]:
            return row_holdings(rows), "record file (provenance of each record)"
        return split_holdings(path), "chat file without a sidecar"
    raise DataError(
        f"Seshat cannot tell what {path} was made from.",
        "audit a run (`seshat audit RUN`), a GGUF or adapter, a JSONL file Seshat wrote, or an "
        "exported dataset folder",
    )


def _gguf_record(path: Path) -> dict[str, Any] | None:
    """What a GGUF that Seshat exported says about itself (level, run, lineage), if it does."""
    from seshat.gguf_header import GGUFHeaderError, read_metadata
    from seshat.kinds import LEVELS

    keys = ("seshat.access_level", "seshat.run_id", "seshat.lineage", "seshat.project")
    try:
        meta = read_metadata(path, keys)
    except (OSError, GGUFHeaderError):
        return None
    if "seshat.access_level" not in meta:
        return None
    level = meta["seshat.access_level"]
    return {
        "target": str(path),
        "traced": f"its own metadata: run {meta.get('seshat.run_id')} of project "
        f"{meta.get('seshat.project') or '?'} (not found here)",
        "level": level if level in LEVELS else LEVELS[-1],  # an unknown level is the most closed
        "levels": {level: None},
        "sources": {},
        "run": meta.get("seshat.run_id"),
        "lineage": [r for r in str(meta.get("seshat.lineage", "")).split(",") if r],
    }


def audit(root: Path, target: str) -> dict[str, Any]:
    """Audit a run (id, prefix, ``latest``) or a file.

    Raises:
        SeshatError: Neither a run nor a file Seshat can trace.
    """
    path = Path(target)
    if not path.exists() and (root / target).exists():
        path = root / target
    if path.exists():
        run = _run_of_path(root, path)
        if run is not None:
            return audit_run(root, run) | {"target": str(path), "traced": f"run {run.run_id}"}
        if path.suffix == ".gguf":
            stamped = _gguf_record(path)
            if stamped is not None:
                return stamped
        if path.suffix == ".gguf" or is_adapter_folder(path):
            raise SeshatError(
                f"{path} matches no run of the project at {root} (by folder or by hash).",
                "run the audit from the project that made it (`-C DIR`)",
            )
        held, how = _file_holdings(path)
        return {
            "target": str(path),
            "traced": how,
            "level": held.level,
            "levels": held.levels(),
            "sources": held.counts,
        }
    return audit_run(root, find_run(root, target))
