"""Sources and outputs stay inside the project: no system file, link, FIFO or device is read, and
no split is written over a source, outside the project, or over another split's files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli

SOURCE = """
sources:
  - id: s
    path: {path}
    format: plain
    access: public
"""


def with_source(project: Path, path: str, extra: str = "") -> None:
    config = project / "seshat.yaml"
    text = config.read_text(encoding="utf-8").replace("sources: []", "", 1)
    config.write_text(text + SOURCE.format(path=path) + extra, encoding="utf-8")


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../../../../../../etc/passwd", "/proc/self/environ"]
)
def test_a_source_outside_the_project_is_refused(project: Path, path: str) -> None:
    with_source(project, path)
    done = run_cli("data", "ingest", "-C", str(project), env={"HF_TOKEN": "canary-77"})
    assert done.returncode == 1 and "outside the project" in done.stderr
    assert "outside_project" in done.stderr and "Traceback" not in done.stderr
    for file in project.rglob("*"):
        if file.is_file():
            assert "canary-77" not in file.read_text(
                errors="replace"
            ) and "root:" not in file.read_text(errors="replace")


def test_a_link_out_of_the_project_is_refused(project: Path) -> None:
    (project / "data" / "raw" / "notes.txt").symlink_to("/etc/hostname")
    with_source(project, "data/raw/notes.txt")
    done = run_cli("data", "ingest", "-C", str(project))
    assert done.returncode == 1 and "leads outside the project (/etc/hostname)" in done.stderr


def test_a_fifo_or_device_is_refused_without_hanging(project: Path) -> None:
    os.mkfifo(project / "data" / "raw" / "pipe.txt")
    with_source(project, "data/raw/pipe.txt")
    done = run_cli("data", "ingest", "-C", str(project))
    assert done.returncode == 1 and "is a FIFO" in done.stderr


def test_outside_the_project_with_a_reason(project: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-drive" / "texts.txt"
    shared.parent.mkdir()
    shared.write_text("Nete jakon iki.\nJakon iki.\n", encoding="utf-8")
    with_source(project, str(shared))
    config = project / "seshat.yaml"
    config.write_text(
        config.read_text().replace(
            "    access: public\n",
            '    access: public\n    outside_project: "the team drive, agreed by the committee"\n',
        ),
        encoding="utf-8",
    )
    done = run_cli("data", "ingest", "-C", str(project))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("data.test", "data/raw/stories.es.txt", "inside data/raw/"),
        ("data.train", "../../outside/train.jsonl", "inside the project"),
        ("data.train", "/tmp/train.jsonl", "inside the project"),
        ("data.dev", "data/formatted/train.meta.jsonl", "would overwrite"),
        ("data.dev", "data/formatted/dev.json", "*.jsonl"),
    ],
)
def test_outputs_never_overwrite_sources_or_each_other(
    project: Path, key: str, value: str, says: str
) -> None:
    done = run_cli("render", "-C", str(project), f"{key}={value}")
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr


def test_a_split_over_a_source_is_refused(project: Path) -> None:
    with_source(project, "corpus/stories.jsonl")
    done = run_cli("render", "-C", str(project), "data.test=corpus/stories.jsonl")
    assert done.returncode == 1 and "where source 's' reads" in done.stderr


def test_a_record_access_key_that_matches_nothing_fails_closed(project: Path) -> None:
    (project / "data" / "raw" / "pub.txt").write_text(
        "Uno.\nDos.\nTres.\nCuatro.\nSagrado.\n", encoding="utf-8"
    )
    with_source(project, "data/raw/pub.txt", '    record_access: {"pub.txt:5": sacred}\n')
    done = run_cli("data", "ingest", "-C", str(project))
    assert done.returncode != 0 and "'pub.txt:5'" in done.stderr + done.stdout
    assert not (project / "data" / "records" / "s.jsonl").exists()
    config = project / "seshat.yaml"
    config.write_text(config.read_text().replace('"pub.txt:5"', '"data/raw/pub.txt:5"'))
    done = run_cli("data", "ingest", "-C", str(project))
    assert done.returncode == 0, done.stderr
    records = (project / "data" / "records" / "s.jsonl").read_text().splitlines()
    assert sum('"sacred"' in line for line in records) == 1


def test_a_file_declared_twice_gets_the_most_closed_level(project: Path) -> None:
    (project / "data" / "raw" / "both.txt").write_text("Uno.\nDos.\nTres.\n", encoding="utf-8")
    config = project / "seshat.yaml"
    text = config.read_text(encoding="utf-8").replace("sources: []", "", 1)
    open_only = (
        text + "sources:\n  - {id: open, path: data/raw/both.txt, format: plain, access: public}\n"
    )
    config.write_text(open_only, encoding="utf-8")
    assert run_cli("data", "ingest", "-C", str(project)).returncode == 0  # ingested as public first
    config.write_text(
        open_only + "  - {id: closed, path: data/raw/both.txt, format: plain, access: sacred}\n",
        encoding="utf-8",
    )
    done = run_cli("data", "ingest", "-C", str(project))
    assert done.returncode == 0, done.stderr
    assert "most closed level wins" in done.stderr
    opened = (project / "data" / "records" / "open.jsonl").read_text().splitlines()
    assert opened and all('"access": "sacred"' in line for line in opened)


def test_an_endless_line_is_refused_without_reading_it_whole(project: Path) -> None:
    big = project / "data" / "raw" / "big.txt"
    with open(big, "wb") as handle:
        handle.write(b"Uno.\nDos.\n")
        handle.write(b"x" * (20 << 20))  # one 20 MB line
        handle.write(b"\nTres.\n")
    with_source(project, "data/raw/big.txt")
    done = run_cli("data", "ingest", "-C", str(project))
    assert done.returncode == 1 and "line 3 of" in done.stderr and "Traceback" not in done.stderr
    from seshat.config.models import Source
    from seshat.data.ingest import _refuse_endless_lines

    many = project / "data" / "raw" / "many.txt"
    many.write_bytes(b"Una frase corta.\n" * 1_100_000)  # 18.7 MB of short lines is fine
    _refuse_endless_lines(Source(id="m", path=many, format="plain"), many)
