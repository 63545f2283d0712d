"""Consent withdrawn: everything derived from a source goes, its runs are revoked for good."""

from __future__ import annotations

import json
from pathlib import Path

from canary import write_canary_project
from conftest import run_cli

from seshat.access import Gate, run_holdings
from seshat.config.models import AccessPolicy, Destination


def _run(project: Path, name: str, sources: dict, status: dict | None = None) -> Path:
    run = project / "runs" / name
    (run / "output").mkdir(parents=True)
    (run / "output" / "adapter_model.safetensors").write_bytes(b"weights")
    (run / "export").mkdir()
    (run / "export" / "model-Q4_K_M.gguf").write_bytes(b"GGUF")
    (run / "access.json").write_text(json.dumps({"splits": {"train": {"sources": sources}}}))
    (run / "status.json").write_text(json.dumps({"state": "succeeded", **(status or {})}))
    (run / "spec.yaml").write_text("model:\n  base: Qwen/Qwen3-0.6B\n")
    return run


def test_withdrawing_a_source_deletes_and_revokes_what_derives_from_it(tmp_path: Path) -> None:
    project = write_canary_project(tmp_path / "proj")
    assert run_cli("data", "run", "-C", str(project)).returncode == 0
    parent = _run(project, "r-a", {"healer-recordings": {"restricted": 10}})
    child = _run(project, "r-b", {"public-stories": {"public": 5}}, {"parent": "r-a"})
    other = _run(project, "r-c", {"public-stories": {"public": 5}})
    listed = run_cli("data", "withdraw", "healer-recordings", "--reason", "x", "-C", str(project))
    assert listed.returncode == 0 and "Nothing was deleted" in listed.stdout
    assert "run r-a" in listed.stdout and "run r-b" in listed.stdout
    assert "run r-c" not in listed.stdout and (parent / "export").is_dir()
    short = run_cli(
        "data", "withdraw", "healer-recordings", "--reason", "x", "--yes", "-C", str(project)
    )
    assert short.returncode == 1 and "reason" in short.stderr  # a reason says who and when
    reason = "The healer withdrew consent on 2026-11-30, by phone to the committee"
    done = run_cli(
        "data", "withdraw", "healer-recordings", "--reason", reason, "--yes", "-C", str(project)
    )
    assert done.returncode == 0, done.stderr
    assert not (project / "data/records/healer-recordings.jsonl").exists()
    assert not (project / "data/formatted/train.jsonl").exists()
    for run in (parent, child):
        assert not (run / "export").exists() and not (run / "output").exists()
        assert (run / "revoked.json").is_file()
    assert (other / "export").is_dir() and not (other / "revoked.json").exists()
    # the gate refuses every destination, whatever the rules and overrides say
    gate = Gate(project, AccessPolicy(overrides={"model_export": "Council approval 2026-10-02"}))
    for run in (parent, child):
        held = run_holdings(run)
        for destination in (Destination.model_export, Destination.local_training):
            assert not gate.decide(destination, held, "the model").allowed
    assert gate.decide(Destination.model_export, run_holdings(other), "x").allowed
    # ingest refuses the source until it leaves seshat.yaml; the audit lists the withdrawal
    again = run_cli("data", "run", "-C", str(project))
    assert again.returncode == 1 and "withdrawn on" in again.stderr
    log = (project / ".seshat" / "access.jsonl").read_text(encoding="utf-8")
    assert "withdrawal" in log and "healer" in log
