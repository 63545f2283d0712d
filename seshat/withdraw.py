"""Consent withdrawn: ``seshat data withdraw SOURCE``.

Everything derived from a source is found (its records and cleaned records, the splits and
formatted data that hold them, the runs trained on them and every run descending from those,
with their adapters, merged models, GGUFs, reports, evaluation answers and W&B offline records)
and, on confirmation, deleted; each such run keeps its small records for the audit and a
``revoked.json``, so that the access gate refuses to export, serve, demo or continue it whatever
the rules or overrides say. The withdrawal is recorded in ``.seshat/withdrawn.json`` (ingest then
refuses the source) and in the access log (``seshat audit`` lists it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from seshat.access import (
    ACCESS_FILE,
    REVOKED,
    WITHDRAWN,
    ancestors,
    append_log,
    withdrawn,
)
from seshat.corpus.judgement import REVIEWS_DIR
from seshat.errors import ConfigError
from seshat.stamps import utc_now
from seshat.yamlio import atomic_write_text, remove_tree

# a run's files that hold the data or what was learned from it (deleted on withdrawal)
RUN_PAYLOAD = (
    "output",
    "merged",
    "export",
    "eval",
    "wandb",
    "prepared",
    "report.html",
    "review",
)
DATA_FOLDERS = ("data/splits", "data/formatted")


@dataclass
class Plan:
    """What withdrawing a source would remove."""

    source: str
    files: list[Path] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)


def _trained_on(run: Path, source: str) -> bool:
    try:
        record = json.loads((run / ACCESS_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return any(source in (part.get("sources") or {}) for part in record.get("splits", {}).values())


def plan(root: Path, source: str) -> Plan:
    """Everything derived from ``source`` in the project at ``root``."""
    found = Plan(source)
    for rel in (f"data/records/{source}.jsonl", f"data/clean/{source}.jsonl"):
        if (root / rel).exists():
            found.files.append(root / rel)
    for folder in DATA_FOLDERS:
        found.files += sorted(p for p in (root / folder).glob("*") if p.is_file())
    runs = sorted(p for p in (root / "runs").glob("*") if p.is_dir())
    direct = {run for run in runs if _trained_on(run, source)}
    changed = True
    while changed:  # every run that descends from one trained on the source
        changed = False
        for run in runs:
            names = {r.name for r in direct}
            if run not in direct and any(a.name in names for a in ancestors(run)):
                direct.add(run)
                changed = True
    found.runs = sorted(direct)
    found.files += _review_data(root, {run.name for run in found.runs}, set(found.files))
    return found


def _review_data(root: Path, runs: set[str], known: set[Path]) -> list[Path]:
    """Linguists' judgements of ``runs`` (they quote the source's sentences) and their records."""
    found = [p for run in sorted(runs) for p in sorted((root / REVIEWS_DIR / run).glob("*.jsonl"))]
    for folder in ("data/records", "data/clean"):
        for path in sorted((root / folder).glob("*.jsonl")):
            if path in known:
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                if any(f'"reviewed_run": "{run}"' in line for line in handle for run in runs):
                    found.append(path)
    return found


def describe(found: Plan) -> list[str]:
    """What will go, in lines a person reads before confirming."""
    lines = [f"data: {p}" for p in found.files]
    for run in found.runs:
        payload = [name for name in RUN_PAYLOAD if (run / name).exists()]
        lines.append(f"run {run.name}: {', '.join(payload) or 'records only'} (then revoked)")
    return lines


def withdraw(root: Path, source: str, reason: str, by: str | None = None) -> Plan:
    """Delete what derives from ``source``, revoke its runs, record the withdrawal.

    Raises:
        ConfigError: No reason given.
    """
    if len(reason.strip()) < 8:
        raise ConfigError(
            "A withdrawal needs its reason: who withdrew consent, and when.",
            'pass --reason "..." (e.g. "Elder X withdrew consent on 2026-11-30, by phone")',
        )
    found = plan(root, source)
    at = utc_now()
    note = {"source": source, "reason": reason, "at": at, "by": by}
    for path in found.files:
        path.unlink(missing_ok=True)
    for folder in DATA_FOLDERS:  # the stages rebuild them without the source
        (root / folder / ".stamp.json").unlink(missing_ok=True)
    for run in found.runs:
        for name in RUN_PAYLOAD:
            target = run / name
            if target.is_dir():
                remove_tree(target)
            elif target.exists():
                target.unlink()
        atomic_write_text(run / REVOKED, json.dumps(note, indent=2) + "\n")
    record = withdrawn(root) | {source: note}
    atomic_write_text(root / WITHDRAWN, json.dumps(record, indent=2, sort_keys=True) + "\n")
    line = {
        "at": at,
        "destination": "withdrawal",
        "what": f"source {source}: {len(found.files)} data file(s) deleted, "
        f"{len(found.runs)} run(s) revoked",
        "allowed": True,
        "override": reason,
        "runs": [run.name for run in found.runs],
    }
    append_log(line, root / ".seshat")
    return found
