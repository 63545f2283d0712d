"""``seshat data dvc``: a dvc.yaml whose stages are those of ``seshat data run``.

The fast tests read the generated stages against Seshat's own (what each stage reads and writes);
the integration test runs the real DVC from Seshat's managed env on the sample project with a
local remote: ``dvc repro`` rebuilds the data byte for byte, ``dvc push`` / ``dvc pull`` bring it
back, and a source outside the project is a dependency too.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_cli

from seshat.config.loader import load_project
from seshat.data.dvc_stages import DVC_FILE, dep_path, stages
from seshat.data.ingest import context_for, input_files
from seshat.data.pipeline import STAGES, run_pipeline
from seshat.data.readers.registry import dependencies
from seshat.errors import DataError

SAMPLE = REPO / "examples" / "quickstart"
OUTS = ("data/records", "data/clean", "data/splits", "data/formatted")
SHARED_REASON = "the language committee's shared drive (test)"


def sample_project(tmp_path: Path) -> Path:
    """The bundled sample project less its scan and recording (no OCR or Whisper: the bytes
    depend on no machine), plus a source outside the project (``outside_project``)."""
    folder = tmp_path / "proj"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.png", "*.wav", "*.gt.txt"))
    shared = tmp_path / "shared"
    shared.mkdir()
    stories = (SAMPLE / "data" / "raw" / "stories.txt").read_text(encoding="utf-8").splitlines()
    (shared / "more.txt").write_text("\n".join(stories[:40]) + "\n", encoding="utf-8")
    config = yaml.safe_load((folder / "seshat.yaml").read_text(encoding="utf-8"))
    config["sources"] = [s for s in config["sources"] if s["format"] not in {"image", "audio"}]
    config["sources"].append(
        {
            "id": "shared",
            "path": str(shared / "more.txt"),
            "format": "plain",
            "access": "public",
            "outside_project": SHARED_REASON,
        }
    )
    (folder / "seshat.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder


def test_the_stages_are_seshats_own(tmp_path: Path) -> None:
    folder = sample_project(tmp_path)
    (folder / "data" / "reviews").mkdir()
    (folder / "data" / "reviews" / "one.jsonl").write_text("{}\n", encoding="utf-8")
    project = load_project(folder, [])
    found = {stage.name: stage for stage in stages(project)}
    assert list(found) == ["ingest", "clean", "split", "format"]
    for name, stage in found.items():
        assert stage.cmd == shlex.join([sys.executable, "-m", "seshat", "data", name])
        assert "seshat.yaml" in stage.deps
    shared = (tmp_path / "shared" / "more.txt").resolve().as_posix()
    assert found["ingest"].deps == [
        "seshat.yaml",
        "data/raw/stories.txt",
        "data/raw/stories.es.txt",  # the parallel reader's translation file
        "data/raw/dictionary.tsv",
        "data/raw/paradigms.csv",
        "data/raw/texts.txt",
        shared,  # outside the project: by absolute path
        "data/reviews",
    ]
    assert found["ingest"].persist and not found["clean"].persist
    assert found["clean"].deps == ["seshat.yaml", "data/records"]
    assert found["split"].deps == ["seshat.yaml", "data/clean"]
    shipped = (REPO / "templates" / "tasks").resolve().as_posix()
    assert found["format"].deps == ["seshat.yaml", "data/splits", "templates/tasks", shipped]
    assert [out for stage in found.values() for out in stage.outs] == list(OUTS)

    # DVC's DAG is Seshat's: each stage's output is what Seshat's stage writes, and every file
    # Seshat hashes for a stage (after a real run) lies in a dependency of the same DVC stage
    run_pipeline(project)

    def covered(path: Path, stage: str) -> bool:
        named = dep_path(folder, path)
        return any(named == dep or named.startswith(dep + "/") for dep in found[stage].deps)

    for source in project.spec.sources:
        ctx = context_for(project, source)
        for file in input_files(project.root, source):
            assert covered(file, "ingest"), file
            for other in dependencies(source.format.value, file, ctx):
                assert covered(other, "ingest"), other
    for stage in STAGES:
        assert found[stage.name].outs == [
            stage.output(project).relative_to(project.root).as_posix()
        ]
        inputs = stage.inputs(project)
        assert inputs, stage.name
        for path in inputs:
            assert covered(path, stage.name), (stage.name, path)


def test_written_once_replaced_when_untouched_refused_when_edited(tmp_path: Path) -> None:
    folder = sample_project(tmp_path)
    first = run_cli("data", "dvc", "-C", str(folder))
    assert first.returncode == 0, first.stderr
    assert "dvc.yaml written" in first.stdout
    for step in ("init", "remote add -d", "repro", "push"):
        assert f"dvc {step}" in first.stdout, step
    # the sample holds community records, above what may leave the machine
    assert "Seshat's access gate does not see DVC" in first.stdout
    written = yaml.safe_load((folder / DVC_FILE).read_text(encoding="utf-8"))
    assert list(written["stages"]) == ["ingest", "clean", "split", "format"]
    assert written["stages"]["ingest"]["outs"] == [{"data/records": {"persist": True}}]
    assert written["stages"]["format"]["outs"] == ["data/formatted"]

    again = run_cli("data", "dvc", "-C", str(folder))
    assert "dvc.yaml unchanged" in again.stdout
    config = folder / "seshat.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("data/raw/texts.txt", "data/raw/texts2.txt"),
        encoding="utf-8",
    )
    shutil.copy(folder / "data" / "raw" / "texts.txt", folder / "data" / "raw" / "texts2.txt")
    moved = run_cli("data", "dvc", "-C", str(folder))
    assert "dvc.yaml replaced" in moved.stdout, moved.stderr
    assert "data/raw/texts2.txt" in (folder / DVC_FILE).read_text(encoding="utf-8")

    edited = (folder / DVC_FILE).read_text(encoding="utf-8") + "  mine:\n    cmd: echo hi\n"
    (folder / DVC_FILE).write_text(edited, encoding="utf-8")
    refused = run_cli("data", "dvc", "-C", str(folder))
    assert refused.returncode == 1
    assert "edited by hand" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert (folder / DVC_FILE).read_text(encoding="utf-8") == edited
    forced = run_cli("data", "dvc", "--force", "-C", str(folder))
    assert forced.returncode == 0 and "dvc.yaml replaced" in forced.stdout
    assert "mine" not in (folder / DVC_FILE).read_text(encoding="utf-8")


def test_overrides_pass_into_every_stage(tmp_path: Path) -> None:
    project = load_project(sample_project(tmp_path), ["tasks.grammar=0.5"])
    for stage in stages(project, ["tasks.grammar=0.5"]):
        assert stage.cmd.endswith(f"data {stage.name} tasks.grammar=0.5")


def test_refuses_what_dvc_cannot_take(tmp_path: Path, project: Path) -> None:
    with pytest.raises(DataError, match="no sources"):
        stages(load_project(project, []))  # freshly scaffolded
    folder = sample_project(tmp_path / "sample")
    # formatted splits in data/ itself: that folder holds the raw data and every other output
    with pytest.raises(DataError, match="folder of its own"):
        stages(load_project(folder, ["data.train=data/train.jsonl"]))
    (folder / "data" / "raw" / "texts.txt").unlink()
    with pytest.raises(DataError, match="does not exist") as caught:
        stages(load_project(folder, []))
    assert "seshat data dvc" in str(caught.value.hint)


def _dvc(dvc: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "CI": "true"}  # no analytics, no update check
    done = subprocess.run(
        [str(dvc), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"dvc {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.integration
def test_dvc_repro_rebuilds_the_data_byte_for_byte(tmp_path: Path) -> None:
    from seshat.environments import install

    env, _ = install("dvc", "cpu")
    dvc = env.bin("dvc")

    folder = sample_project(tmp_path)
    assert run_cli("data", "run", "-C", str(folder)).returncode == 0
    plain = {out: _files(folder / out) for out in OUTS}
    plain["data/records"].pop("receipt.json")  # `seshat data run` also leaves its receipt there
    for out in OUTS:
        shutil.rmtree(folder / out)
    made = run_cli("data", "dvc", "-C", str(folder))
    assert made.returncode == 0, made.stderr
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    _dvc(dvc, folder, "init", "-q")
    _dvc(dvc, folder, "add", "-q", "data/raw")
    _dvc(dvc, folder, "remote", "add", "-d", "local", str(tmp_path / "remote"))

    def same_as_plain() -> None:
        for out in OUTS:
            assert _files(folder / out) == plain[out], out

    _dvc(dvc, folder, "repro")
    same_as_plain()  # the stamps too: `seshat data status` knows the stages fresh
    assert "Data and pipelines are up to date" in _dvc(dvc, folder, "status").stdout

    _dvc(dvc, folder, "push")
    for out in OUTS:
        shutil.rmtree(folder / out)
    shutil.rmtree(folder / ".dvc" / "cache")
    _dvc(dvc, folder, "pull")
    same_as_plain()

    for out in OUTS:
        shutil.rmtree(folder / out)
    shutil.rmtree(folder / ".dvc" / "cache")  # no run cache: every stage runs again
    rebuilt = _dvc(dvc, folder, "repro")
    assert rebuilt.stdout.count("Running stage") == 4, rebuilt.stdout
    same_as_plain()

    # the source outside the project is a dependency: changing it makes ingest stale
    lock = yaml.safe_load((folder / "dvc.lock").read_text(encoding="utf-8"))
    shared = (tmp_path / "shared" / "more.txt").resolve().as_posix()
    assert shared in [dep["path"] for dep in lock["stages"]["ingest"]["deps"]]
    with open(shared, "a", encoding="utf-8") as handle:
        handle.write("Jawen nete.\n")
    assert "ingest" in _dvc(dvc, folder, "status").stdout
