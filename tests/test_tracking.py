"""W&B tracking: offline files inside the run dir; a W&B failure is reported, never fatal."""

from __future__ import annotations

import time
from pathlib import Path

from seshat.runs.rundir import RunDir
from seshat.runs.tracking import Tracker


def _run(tmp_path: Path) -> RunDir:
    run = RunDir(tmp_path, "20260101-000000-axolotl-strix-halo-cpu")
    run.path.mkdir(parents=True)
    return run


def test_offline_run_lives_in_the_run_dir(tmp_path: Path) -> None:
    run = _run(tmp_path)
    tracker = Tracker(run, {"mode": "offline", "project": "seshat"}, {"spec": {"name": "toy"}})
    tracker.start()
    for step in range(1, 4):
        tracker.log({"step": step, "loss": 1.0 / step + 0.123456789})
    assert tracker.finish({"state": "succeeded", "exit_code": 0}) is None
    (offline,) = (run.path / "wandb").glob(f"offline-run-*-{run.run_id}")
    stream = (offline / f"run-{run.run_id}.wandb").read_bytes()
    assert b"0.456790122" in stream and b"succeeded" in stream


def test_a_failing_wandb_is_reported_and_does_not_hang(tmp_path: Path) -> None:
    run = _run(tmp_path)
    tracker = Tracker(run, {"mode": "no-such-mode"}, {})
    tracker.start()
    tracker.log({"step": 1, "loss": 1.0})
    start = time.monotonic()
    problem = tracker.finish({"state": "succeeded"}, timeout=30)
    assert time.monotonic() - start < 25
    assert problem is not None and "W&B failed" in problem
    assert "Traceback" in (run.logs / "wandb.log").read_text()


def test_disabled_tracking_writes_nothing(tmp_path: Path) -> None:
    run = _run(tmp_path)
    tracker = Tracker(run, {"mode": "disabled"}, {})
    tracker.start()
    tracker.log({"step": 1, "loss": 1.0})
    assert tracker.finish({"state": "succeeded"}) is None
    assert not (run.path / "wandb").exists()
