"""Damaged run records and a bad `seshat init` end in one paragraph, never a traceback, and a bad
init leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli


def fake_run(project: Path, name: str, status: str) -> Path:
    run = project / "runs" / name
    run.mkdir(parents=True)
    (run / "status.json").write_text(status, encoding="utf-8")
    (run / "spec.yaml").write_text("name: x\n", encoding="utf-8")
    return run


@pytest.mark.parametrize(
    "status", ['{"state": "succ', "", "[1, 2]", '{"no_state": 1}', "\x00\x01binary"]
)
def test_a_torn_status_is_named_not_a_traceback(project: Path, status: str) -> None:
    fake_run(
        project, "20260101-000000-good", json.dumps({"state": "succeeded", "backend": "axolotl"})
    )
    fake_run(project, "20260102-000000-torn", status)
    listed = run_cli("runs", "list", "-C", str(project))
    assert listed.returncode == 0, listed.stderr
    assert "damaged" in listed.stdout and "20260101-000000-good" in listed.stdout
    for command in (["runs", "show", "20260102"], ["audit", "20260102"], ["report", "20260102"]):
        done = run_cli(*command, "-C", str(project))
        assert done.returncode != 0 and "Traceback" not in done.stderr, (command, done.stderr)
        assert "cannot be read" in done.stderr, (command, done.stderr)


@pytest.mark.parametrize("code", ["q ks", "x\nbackend: evil", "", "-dash"])
def test_a_bad_init_writes_nothing(tmp_path: Path, code: str) -> None:
    folder = tmp_path / "new"
    done = run_cli("init", str(folder), "--language", "X", "--code", code)
    assert done.returncode == 1 and "nothing was written" in done.stderr
    assert (
        not (folder / "seshat.yaml").exists() and not list(folder.glob("*"))
        if folder.exists()
        else True
    )
    again = run_cli("init", str(folder), "--language", "X", "--code", "xq")
    assert again.returncode == 0, again.stderr
