"""``seshat data ingest``: every source into data/records, broken files reported, the rest kept,
unchanged sources skipped, access and provenance carried."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import REPO, run_cli

from seshat.scaffold import scaffold

FIXTURES = REPO / "tests" / "fixtures" / "data"

SOURCES = """
sources:
  - id: dictionary
    path: data/raw/dictionary.tsv
    format: tsv
    access: public
    license: CC-BY-4.0
  - id: stories
    path: data/raw/stories
    format: elan
    access: restricted
    communities: [Kaniwa community]
  - id: broken
    path: data/raw/broken.lift
    format: lift
"""


def _project(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    scaffold(folder, name="Kaniwa", code="qks")
    config = folder / "seshat.yaml"
    config.write_text(config.read_text().replace("sources: []", SOURCES.strip()))
    raw = folder / "data" / "raw"
    (raw / "dictionary.tsv").write_text("qks\tspanish\nnete\tdía\njawen\tsu\n", encoding="utf-8")
    (raw / "stories").mkdir()
    shutil.copy(FIXTURES / "sample.eaf", raw / "stories" / "maria.eaf")
    (raw / "broken.lift").write_text("<lift><entry>", encoding="utf-8")
    return folder


def _records(folder: Path, source: str) -> list[dict]:
    path = folder / "data" / "records" / f"{source}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_ingest_reads_good_sources_and_reports_the_broken_one(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    result = run_cli("data", "ingest", "-C", str(folder))
    assert result.returncode == 1
    assert "broken.lift:1:" in result.stderr and "not well-formed" in result.stderr
    assert "Traceback" not in result.stderr
    words = _records(folder, "dictionary")
    assert [(r["text"], r["translation"]) for r in words] == [("nete", "día"), ("jawen", "su")]
    assert words[0]["access"] == "public" and words[0]["license"] == "CC-BY-4.0"
    assert words[0]["provenance"] == {
        "file": "data/raw/dictionary.tsv",
        "line": 2,
        "source": "dictionary",
    }
    stories = _records(folder, "stories")
    assert len(stories) == 2 and stories[0]["access"] == "restricted"
    assert stories[0]["communities"] == ["Kaniwa community"]
    assert stories[0]["provenance"]["start_ms"] == 0 and stories[0]["speaker"]["id"] == "MARIA"
    assert not (folder / "data" / "records" / "broken.jsonl").read_text()
    assert not list((folder / "data" / "records").glob(".*tmp"))


def test_ingest_skips_unchanged_sources_and_rereads_changed_ones(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    (folder / "data" / "raw" / "broken.lift").unlink()
    config = folder / "seshat.yaml"
    broken = "  - id: broken\n    path: data/raw/broken.lift\n    format: lift\n"
    config.write_text(config.read_text().replace(broken, ""))
    first = run_cli("data", "ingest", "-C", str(folder))
    assert first.returncode == 0, first.stderr
    before = (folder / "data" / "records" / "dictionary.jsonl").read_bytes()
    again = run_cli("data", "ingest", "-C", str(folder))
    assert again.stdout.count("unchanged") == 2
    with open(folder / "data" / "raw" / "dictionary.tsv", "a", encoding="utf-8") as handle:
        handle.write("kai\tir\n")
    third = run_cli("data", "ingest", "-C", str(folder))
    assert third.stdout.count("unchanged") == 1 and "written" in third.stdout
    after = (folder / "data" / "records" / "dictionary.jsonl").read_bytes()
    assert after.startswith(before) and len(_records(folder, "dictionary")) == 3


def test_ingest_is_byte_identical_from_scratch(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    run_cli("data", "ingest", "-C", str(folder))
    first = {p.name: p.read_bytes() for p in (folder / "data" / "records").glob("*.jsonl")}
    shutil.rmtree(folder / "data" / "records")
    run_cli("data", "ingest", "-C", str(folder))
    second = {p.name: p.read_bytes() for p in (folder / "data" / "records").glob("*.jsonl")}
    assert first == second


def test_ingest_rereads_when_a_file_the_reader_depends_on_changes(tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    scaffold(folder, name="Kaniwa", code="qks")
    raw = folder / "data" / "raw"
    (raw / "story.qks").write_text("nete\njawen\n", encoding="utf-8")
    (raw / "story.es").write_text("día\nsu\n", encoding="utf-8")
    config = folder / "seshat.yaml"
    parallel = (
        "sources:\n  - id: story\n    path: data/raw/story.qks\n    format: parallel\n"
        "    options: {translation: data/raw/story.es}"
    )
    config.write_text(config.read_text().replace("sources: []", parallel))
    assert run_cli("data", "ingest", "-C", str(folder)).returncode == 0
    assert "unchanged" in run_cli("data", "ingest", "-C", str(folder)).stdout
    (raw / "story.es").write_text("día\nsuyo\n", encoding="utf-8")  # only the translation changed
    again = run_cli("data", "ingest", "-C", str(folder))
    assert "written" in again.stdout
    assert [r["translation"] for r in _records(folder, "story")] == ["día", "suyo"]
    config.write_text(config.read_text().replace('name: "Kaniwa"', 'name: "Kaniwa del Sur"'))
    assert "written" in run_cli("data", "ingest", "-C", str(folder)).stdout  # readers use names
