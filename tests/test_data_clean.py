"""``seshat data clean``: normalise, flag with reasons, never drop; flagged records stay out of
the training data."""

from __future__ import annotations

import json
from pathlib import Path

from test_data_ingest import _project

from seshat.config.loader import load_project
from seshat.corpus.jsonl import read_segments, write_segments
from seshat.corpus.segment import Provenance, Segment
from seshat.data.clean import clean
from seshat.data.format import format_splits
from seshat.data.split import split


def _pair(text: str, translation: str | None, n: int) -> Segment:
    return Segment(
        kind="sentence",
        text=text,
        translation=translation,
        document="doc",
        provenance=Provenance(source="s", file="f.txt", line=n),
    )


def test_clean_normalises_and_flags_with_reasons(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    config = folder / "seshat.yaml"
    config.write_text(config.read_text().replace("  normalize: {}", "  normalize: {'ë': 'ɨ'}"))
    rows = [
        _pair("cafe\u0301  jawen", "el café", 1),  # NFD and double space: normalised, no flag
        _pair("nete ë", "día", 2),  # orthography map
        _pair("nete ë", "día", 3),  # exact duplicate (after normalisation)
        _pair("Nete, ɨ!", "Día", 4),  # near duplicate
        _pair("a", None, 5),  # no translation
        _pair("ka nete jawen jainoa ea kai", "sí", 6),  # only one side long: ratio not checked
        _pair("x" * 60, "abcdefghijkl", 7),  # ratio 5.0
        _pair("ka nete jawen jainoa ea kai bake", "a" * 12, 8),  # ratio 2.75: fine
        _pair("jawen", "seÃ±or", 9),  # mojibake
        _pair("jawen\x07", "su", 10),
    ]
    write_segments(folder / "data" / "records" / "s.jsonl", rows)
    report = clean(load_project(folder))
    out = list(read_segments(folder / "data" / "clean" / "s.jsonl"))
    assert len(out) == len(rows), "cleaning never drops a record"
    assert [s.id for s in out] == [s.id for s in rows], "ids (provenance) survive cleaning"
    flags = {s.provenance.line: {f.rule for f in s.flags} for s in out}
    assert out[0].text == "café jawen" and flags[1] == set()
    assert out[1].text == "nete ɨ" and flags[2] == set()
    assert flags[3] == {"exact_duplicate"} and flags[4] == {"near_duplicate"}
    assert flags[5] == {"empty"} and flags[6] == set()
    assert flags[7] == {"length_ratio"} and flags[8] == set()
    assert flags[9] == {"encoding"} and flags[10] == {"control_chars"}
    reason = next(f.reason for f in out[6].flags)
    assert "ratio 5.00" in reason
    assert report["flags"]["length_ratio"] == 1 and report["records"] == 10
    saved = json.loads((folder / "data" / "clean" / "report.json").read_text())
    assert saved["sources"]["s"]["records"] == 10
    project = load_project(folder, ["splits.dev=0", "splits.test=0"])
    split(project)
    summary = format_splits(project)
    # empty, length_ratio, encoding, control_chars; the exact duplicate is written once by split,
    # the near duplicate stays (a note)
    assert summary["splits"]["train"]["flagged_records_left_out"] == 4
    formatted = (folder / "data" / "formatted" / "train.jsonl").read_text(encoding="utf-8")
    assert "seÃ±or" not in formatted and "x" * 60 not in formatted and "café jawen" in formatted
    assert "Nete, ɨ!" in formatted


def test_letters_outside_the_alphabet_are_flagged_with_the_letters(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    config = folder / "seshat.yaml"
    config.write_text(
        config.read_text().replace(
            "  normalize: {}", "  normalize: {}\n  alphabet: 'a b e i j k n o r t w ɨ'"
        )
    )
    write_segments(
        folder / "data" / "records" / "s.jsonl",
        [_pair("Nete jawen, ɨ!", "día", 1), _pair("Nete quechua", "x", 2)],
    )
    clean(load_project(folder))
    out = list(read_segments(folder / "data" / "clean" / "s.jsonl"))
    assert out[0].flags == []
    (flag,) = out[1].flags
    assert flag.rule == "charset" and flag.reason.endswith(": chqu")


def test_stray_spaces_around_punctuation_go_unless_turned_off(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    write_segments(
        folder / "data" / "records" / "s.jsonl", [_pair("¿ nete jawen ?", "¿ el día , dónde ?", 1)]
    )
    clean(load_project(folder))
    (out,) = read_segments(folder / "data" / "clean" / "s.jsonl")
    assert (out.text, out.translation) == ("¿nete jawen?", "¿el día, dónde?")
    clean(load_project(folder, ["cleaning.punctuation_spacing=false"]))
    (kept,) = read_segments(folder / "data" / "clean" / "s.jsonl")
    assert kept.text == "¿ nete jawen ?"
