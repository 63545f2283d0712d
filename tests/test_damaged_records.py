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


def test_an_alias_bomb_a_deep_nest_and_a_huge_config_are_refused(project: Path) -> None:
    config = project / "seshat.yaml"
    base = config.read_text(encoding="utf-8")
    bomb = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    bomb += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    cases = {
        "alias": base + "\n".join(bomb) + "\n",
        "nesting": base + "deep: " + "[" * 20000 + "]" * 20000 + "\n",
        "size": base + "# " + "x" * 2_000_000 + "\n",
    }
    for what, text in cases.items():
        config.write_text(text, encoding="utf-8")
        done = run_cli("render", "-C", str(project))
        assert done.returncode == 1 and "Traceback" not in done.stderr, (what, done.stderr[-500:])


# the tiny project is one document: split by record (by document, it would all go to one split)
ONE_DOCUMENT = ("splits.group_by=record",)


def _tiny_data_project(project: Path) -> Path:
    raw = project / "data" / "raw"
    (raw / "texts.txt").write_text(
        "".join(f"Nete {i} jakon.\n" for i in range(60)), encoding="utf-8"
    )
    (raw / "texts.es.txt").write_text(
        "".join(f"El día {i} es bueno.\n" for i in range(60)), encoding="utf-8"
    )
    config = project / "seshat.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "sources: []",
            "sources:\n  - {id: texts, path: data/raw/texts.txt, format: parallel, access: public,"
            " options: {translation: data/raw/texts.es.txt}}",
            1,
        ),
        encoding="utf-8",
    )
    return project


def test_damaged_stamps_and_manifests_make_the_stage_run_again(project: Path) -> None:
    _tiny_data_project(project)
    assert run_cli("data", "run", "-C", str(project), *ONE_DOCUMENT).returncode == 0
    for damaged in (
        project / "data" / "records" / "manifest.json",
        *project.glob("data/*/.stamp.json"),
    ):
        damaged.write_text('{"torn": ', encoding="utf-8")
    done = run_cli("data", "run", "-C", str(project), *ONE_DOCUMENT)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "does not exist"),
        ("not json\n", "is not a JSON object"),
        ('{"txt": 1}\n', "is not a JSON object"),
    ],
)
def test_a_bad_pinned_test_file_is_named(project: Path, content: str | None, says: str) -> None:
    _tiny_data_project(project)
    pinned = project / "data" / "raw" / "test.jsonl"
    if content is not None:
        pinned.write_text(content, encoding="utf-8")
    done = run_cli(
        "data", "run", "-C", str(project), "splits.test_file=data/raw/test.jsonl", *ONE_DOCUMENT
    )
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr


def test_a_link_planted_as_a_scratch_folder_is_removed_not_followed(
    project: Path, tmp_path: Path
) -> None:
    _tiny_data_project(project)
    assert run_cli("data", "run", "-C", str(project), *ONE_DOCUMENT).returncode == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine", encoding="utf-8")
    out = tmp_path / "export"
    (tmp_path / ".export.partial").symlink_to(outside)
    done = run_cli("data", "export", str(out), "-C", str(project))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert (out / "train.jsonl").is_file()


def test_a_pipeline_that_makes_nothing_fails_with_a_paragraph(project: Path) -> None:
    (project / "data" / "raw" / "empty.txt").write_text("", encoding="utf-8")
    config = project / "seshat.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "sources: []",
            "sources:\n  - {id: e, path: data/raw/empty.txt, format: plain, access: public}",
            1,
        ),
        encoding="utf-8",
    )
    done = run_cli("data", "run", "-C", str(project))
    assert done.returncode == 1 and "gave no records" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_empty_train_split_fails_with_where_the_records_went(project: Path) -> None:
    """The only source pinned to test leaves train empty: a paragraph, exit 1."""
    _tiny_data_project(project)
    config = project / "seshat.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("options: {", "options: {split: test, "), encoding="utf-8")
    done = run_cli("data", "run", "-C", str(project))
    assert done.returncode == 1 and "has no example" in done.stderr, done.stdout + done.stderr
    assert "no record at all" in done.stderr and "Traceback" not in done.stderr


def test_one_document_is_cut_into_blocks_to_meet_the_shares(project: Path) -> None:
    """One document of 60 records cannot give 5 % dev and test whole: blocks of records do."""
    _tiny_data_project(project)
    done = run_cli("data", "run", "-C", str(project), "splits.dev=0.1", "splits.test=0.1")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((project / "data/splits/manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"train": 48, "dev": 6, "test": 6}
    assert manifest["unit"] != "document" and "could not meet" in manifest["refined"]
    strict = run_cli("data", "run", "-C", str(project), "splits.strict=true")
    assert strict.returncode == 1 and "splits.strict: false" in strict.stderr
    assert "Traceback" not in strict.stderr


def test_records_that_fit_no_task_are_explained(project: Path) -> None:
    (project / "data" / "raw" / "mono.txt").write_text(
        "".join(f"Nete {i} jakon.\n" for i in range(40)), encoding="utf-8"
    )
    config = project / "seshat.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "sources: []",
            "sources:\n  - {id: m, path: data/raw/mono.txt, format: plain, access: public}",
            1,
        ),
        encoding="utf-8",
    )
    done = run_cli("data", "run", "-C", str(project), *ONE_DOCUMENT)
    assert done.returncode == 1 and "fit no task" in done.stderr, done.stderr
