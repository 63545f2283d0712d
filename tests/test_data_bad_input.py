"""Twenty-plus malformed inputs through `seshat data ingest`: each gives a clear error naming its
file (or is read correctly), never a traceback, and never a half-written output."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import run_cli

from seshat.scaffold import scaffold

EAF_NO_TIMES = (
    b'<ANNOTATION_DOCUMENT><TIME_ORDER><TIME_SLOT TIME_SLOT_ID="t1"/></TIME_ORDER>'
    b'<TIER TIER_ID="tx"><ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="t1" '
    b'TIME_SLOT_REF2="t1"><ANNOTATION_VALUE>nete</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION>'
    b"</ANNOTATION></TIER></ANNOTATION_DOCUMENT>"
)

# id -> (format, file name, bytes, options, expected: "error" text or "ok" record count)
CASES: dict[str, tuple[str, str, bytes, dict, str | int]] = {
    "latin1": ("plain", "latin1.txt", "señor\n".encode("latin-1"), {}, "is not valid utf-8"),
    "binary": ("plain", "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\xff", {}, "is not valid utf-8"),
    "latin1-declared": ("plain", "l1.txt", "señor\n".encode("latin-1"), {"encoding": "latin-1"}, 1),
    "bom-crlf": ("plain", "bom.txt", "\ufeffnete\r\njawen\r\n".encode(), {}, 2),
    "nfd": ("plain", "nfd.txt", "cafe\u0301\n".encode(), {}, 1),
    "empty-plain": ("plain", "empty.txt", b"", {}, 0),
    "long-line": ("plain", "long.txt", b"ka " * 3_500_000 + b"\n", {}, 1),
    "sfm-no-marker": ("toolbox", "x.sfm", b"\\tx hello\n\\ft hola\n", {}, "has no record marker"),
    "sfm-empty": ("toolbox", "e.sfm", b"", {}, "has no record marker"),
    "lift-not-lift": ("lift", "html.lift", b"<html><body/></html>", {}, "is XML but not a LIFT"),
    "lift-truncated": ("lift", "cut.lift", b"<lift><entry><lexical-unit>", {}, "not well-formed"),
    "lift-empty": ("lift", "zero.lift", b"", {}, "not well-formed"),
    "lift-entities": (
        "lift",
        "bomb.lift",
        b'<!DOCTYPE l [<!ENTITY a "aa">]><lift>&a;</lift>',
        {},
        "entities",
    ),
    "flextext-not-xml": ("flextext", "t.flextext", b"just text", {}, "not well-formed"),
    "eaf-other-xml": ("elan", "x.eaf", b"<lift/>", {}, "not an ELAN file"),
    "eaf-no-times": ("elan", "nt.eaf", EAF_NO_TIMES, {}, 1),
    "eaf-unknown-tier": (
        "elan",
        "u.eaf",
        EAF_NO_TIMES,
        {"translation_tier": "nope"},
        "has no tier",
    ),
    "tsv-ragged": ("tsv", "r.tsv", b"qks\tspanish\na\tb\tc\n", {}, "has 3 cells"),
    "tsv-no-columns": ("tsv", "n.tsv", b"foo\tbar\na\tb\n", {}, "no column is"),
    "tsv-mapped-missing": (
        "tsv",
        "m.tsv",
        b"qks\tspanish\na\tb\n",
        {"columns": {"text": "palabra"}},
        "palabra",
    ),
    "tsv-header-only": ("tsv", "h.tsv", b"qks\tspanish\n", {}, 0),
    "parallel-no-translation": ("parallel", "p.txt", b"a\n", {}, "names no translation file"),
    "parallel-missing-file": (
        "parallel",
        "q.txt",
        b"a\n",
        {"translation": "nope.txt"},
        "cannot be read",
    ),
    "pdf-truncated": (
        "pdf",
        "cut.pdf",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog",
        {},
        "not a readable PDF",
    ),
    "pdf-empty": ("pdf", "zero.pdf", b"", {}, "not a readable PDF"),
    "audio-empty": ("audio", "silence.wav", b"", {"model": "models/whisper"}, "is empty"),
    "audio-no-model": ("audio", "story.wav", b"RIFF", {}, "names no transcription model"),
    "cldf-not-a-folder": ("cldf", "cldf/metadata.json", b"{}", {}, "has no languages.csv"),
}


def test_every_malformed_input_gets_a_clear_error_or_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    scaffold(folder, name="Kaniwa", code="qks")
    sources = []
    for source_id, (fmt, name, content, options, _) in CASES.items():
        path = folder / "data" / "raw" / source_id / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        sources.append(
            {
                "id": source_id,
                "path": str(path.relative_to(folder)),
                "format": fmt,
                "options": options,
            }
        )
    config = folder / "seshat.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["sources"] = sources
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    result = run_cli("data", "ingest", "-C", str(folder))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    errors = result.stderr
    for source_id, (_, name, _, _, expected) in CASES.items():
        output = folder / "data" / "records" / f"{source_id}.jsonl"
        if isinstance(expected, int):
            lines = output.read_text(encoding="utf-8").splitlines()
            assert len(lines) == expected, source_id
            assert all(json.loads(line)["provenance"]["source"] == source_id for line in lines)
        else:
            assert expected in errors, f"{source_id}: {expected!r} not in the errors"
            assert name.split("/")[0] in errors or source_id in errors, source_id
            assert not output.exists() or output.read_text() == "", f"{source_id}: half-written"
    assert len(CASES) >= 20
    assert not list((folder / "data" / "records").glob(".*.tmp"))
