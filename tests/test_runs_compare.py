"""``seshat runs diff``: settings that differ and results side by side, from run folders."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from seshat.runs.compare import diff
from seshat.runs.rundir import RunDir


def _fake_run(root: Path, run_id: str, lr: float, losses: list[float], records: int) -> RunDir:
    run = RunDir(root, run_id)
    run.path.mkdir(parents=True)
    (run.path / "spec.yaml").write_text(
        f"name: toy\ntraining:\n  learning_rate: {lr}\n  seed: 42\n"
    )
    run.write_json("plan.json", {"profile": "strix-halo-cpu", "micro_batch_size": 2})
    run.write_json(
        "data.json", {"train": {"records": records, "sha256": f"{records:064d}"}, "test": None}
    )
    rows = [{"step": i + 1, "loss": v, "attempt": 1} for i, v in enumerate(losses)]
    rows.append({"step": len(losses), "eval_loss": losses[-1] + 0.5, "attempt": 1})
    (run.path / "metrics.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows) + '{"step": 9, "lo'  # a torn last line
    )
    run.set_status("succeeded", steps_logged=len(losses), duration_s=12.5, run_id=run_id)
    return run


def test_diff_lists_only_changed_settings_and_all_results(tmp_path: Path) -> None:
    a = _fake_run(tmp_path, "20260101-000000-a", 2e-4, [3.0, 2.0, 2.5], 48)
    b = _fake_run(tmp_path, "20260101-000001-b", 1e-4, [3.0, 2.8], 60)
    rows = diff(a, b)
    changed = {key: (left, right) for key, left, right in rows["settings"]}
    assert set(changed) == {"spec.training.learning_rate", "data.train"}
    assert changed["spec.training.learning_rate"] == (2e-4, 1e-4)
    results = {key: (left, right) for key, left, right in rows["results"]}
    assert results["final loss"] == (2.5, 2.8) and results["best loss"] == (2.0, 2.8)
    assert results["final eval_loss"] == (3.0, 3.3) and results["steps"] == (3, 2)


def test_runs_diff_cli_prints_both_tables(tmp_path: Path) -> None:
    _fake_run(tmp_path, "20260101-000000-a", 2e-4, [3.0, 2.0], 48)
    _fake_run(tmp_path, "20260101-000001-b", 1e-4, [3.0, 2.8], 48)
    result = run_cli("runs", "diff", "-C", str(tmp_path), "20260101-000000")
    assert result.returncode == 0, result.stderr
    assert (
        "Settings that differ" in result.stdout and "spec.training.learning_rate" in result.stdout
    )
    assert "final loss" in result.stdout and "data.train" not in result.stdout
