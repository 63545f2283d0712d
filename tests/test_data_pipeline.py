"""``seshat data run`` / ``status``: stale stages only, a stage killed half-way runs again."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from test_data_ingest import _project

BROKEN = "  - id: broken\n    path: data/raw/broken.lift\n    format: lift\n"


def test_run_refuses_to_go_on_after_a_failed_ingest(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    result = run_cli("data", "run", "-C", str(folder))
    assert result.returncode == 1
    assert "broken.lift" in result.stderr and "later stages were not run" in result.stderr
    assert not (folder / "data" / "formatted" / "train.jsonl").exists()


def test_run_runs_only_what_is_stale(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    config = folder / "seshat.yaml"
    config.write_text(config.read_text().replace(BROKEN, ""))
    first = run_cli("data", "run", "-C", str(folder))
    assert first.returncode == 0, first.stderr
    assert "clean ran · split ran · format ran" in first.stdout.splitlines()[-1]
    train = folder / "data" / "formatted" / "train.jsonl"
    made = train.read_bytes()
    again = run_cli("data", "run", "-C", str(folder))
    assert "clean up to date · split up to date · format up to date" in again.stdout
    weights = run_cli("data", "run", "-C", str(folder), "tasks.translate_to_source=0")
    assert "clean up to date · split up to date · format ran" in weights.stdout
    (folder / "data" / "splits" / ".stamp.json").unlink()  # as if split was killed before its end
    redo = run_cli("data", "run", "-C", str(folder))
    assert "clean up to date · split ran · format ran" in redo.stdout
    assert train.read_bytes() == made  # same inputs and settings: byte-identical
    status = run_cli("data", "status", "-C", str(folder))
    assert status.returncode == 0, status.stderr
    assert "transcript 2" in status.stdout and "fresh" in status.stdout


def test_a_stage_run_alone_leaves_its_stamp(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    config = folder / "seshat.yaml"
    config.write_text(config.read_text().replace(BROKEN, ""))
    for stage in ("ingest", "clean", "split", "format"):  # by hand, as `dvc repro` runs them
        done = run_cli("data", stage, "-C", str(folder))
        assert done.returncode == 0, done.stderr
    again = run_cli("data", "run", "-C", str(folder))
    assert "clean up to date · split up to date · format up to date" in again.stdout
