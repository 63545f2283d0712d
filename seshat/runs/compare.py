"""``seshat runs diff``: what differs between two runs — settings, data and results."""

from __future__ import annotations

import json
import math
from typing import Any

from seshat.runs.rundir import RunDir

# Keys that differ between any two runs and say nothing about how they differ.
_NOISE = ("run_id", "started_at", "ended_at", "updated_at", "pid")


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists stay whole values."""
    if isinstance(data, dict):
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat |= flatten(value, f"{prefix}{key}.")
        return flat
    return {prefix.rstrip("."): data}


def settings(run: RunDir) -> dict[str, Any]:
    """A run's spec, plan and data manifest, flattened (``spec.training.lr`` …)."""
    spec = run.spec()
    found = flatten({"spec": spec, "plan": run.read_json("plan.json")})
    data = run.read_json("data.json")
    for split, entry in data.items():
        if entry:
            found[f"data.{split}"] = (
                f"{entry.get('records', '?')} records, sha256 {entry.get('sha256', '-')[:12]}"
            )
    return found


def results(run: RunDir) -> dict[str, Any]:
    """State, steps, duration and losses of a run (the latest attempt's value for each step)."""
    status = run.status()
    by_step: dict[tuple[str, int], float] = {}
    path = run.path / "metrics.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    for line in lines:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line of a killed run
        for key in ("loss", "eval_loss"):
            if key in row and isinstance(row[key], int | float) and math.isfinite(row[key]):
                by_step[(key, int(row.get("step", 0)))] = float(row[key])
    found: dict[str, Any] = {
        "state": status.get("state"),
        "steps": status.get("steps_logged"),
        "duration_s": status.get("duration_s"),
        "parent": status.get("parent"),
    }
    for key in ("loss", "eval_loss"):
        series = sorted((step, value) for (name, step), value in by_step.items() if name == key)
        if series:
            found[f"first {key}"] = round(series[0][1], 4)
            found[f"final {key}"] = round(series[-1][1], 4)
            found[f"best {key}"] = round(min(v for _, v in series), 4)
    return found


def diff(a: RunDir, b: RunDir) -> dict[str, list[tuple[str, Any, Any]]]:
    """Rows ``(key, value in a, value in b)``: differing settings, and all results."""
    sa, sb = settings(a), settings(b)
    changed = [
        (key, sa.get(key, "—"), sb.get(key, "—"))
        for key in sorted(set(sa) | set(sb))
        if sa.get(key) != sb.get(key) and not key.endswith(_NOISE)
    ]
    ra, rb = results(a), results(b)
    outcome = [(key, ra.get(key, "—"), rb.get(key, "—")) for key in dict.fromkeys([*ra, *rb])]
    return {"settings": changed, "results": outcome}
