"""Sentence splitting (abbreviations, ¡ ¿) and sentence alignment (1-1, 1-2, 2-1, 1-0, anchors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seshat.data.align import Aligner
from seshat.data.readers.base import ReaderContext
from seshat.data.readers.registry import reader_for
from seshat.data.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El Sr. Pérez llegó. Se fue.", ["El Sr. Pérez llegó.", "Se fue."]),
        ("¿Vienes? Sí. ¡Qué bien!", ["¿Vienes?", "Sí.", "¡Qué bien!"]),
        ("¿Vienes?, preguntó ella. Luego salió.", ["¿Vienes?, preguntó ella.", "Luego salió."]),
        ("Ver pág. 12 y núm. 3. Fin.", ["Ver pág. 12 y núm. 3.", "Fin."]),
        ("Lo dijo J. García. Bien.", ["Lo dijo J. García.", "Bien."]),
        ("«Hola», dijo. —¿Quién?", ["«Hola», dijo.", "—¿Quién?"]),
        ("Cuesta 3.50 soles. Es caro.", ["Cuesta 3.50 soles.", "Es caro."]),
        ("Esperó... y siguió.", ["Esperó... y siguió."]),
    ],
)
def test_spanish_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text, code="es") == expected


def test_user_abbreviations_are_honoured() -> None:
    assert split_sentences("Lo vio el Ap. Juan. Fin.", ["ap"]) == ["Lo vio el Ap. Juan.", "Fin."]


def test_alignment_by_length_finds_a_split_and_a_merge() -> None:
    target = ["aaaa " * 10, "bbbbbbbb " * 12, "cc " * 10, "dddd " * 9, "eeeee " * 8]
    source = [
        "AAAA " * 11,
        "BBBBBBBB " * 7,
        "BBBBBBBB " * 6,  # b is split in two
        "CC " * 11 + "DDDD " * 10,  # c and d are one sentence
        "EEEEE " * 9,
    ]
    links = {(link.target, link.source) for link in Aligner().align(target, source)}
    assert links == {((0,), (0,)), ((1,), (1, 2)), ((2, 3), (3,)), ((4,), (4,))}


def test_lexicon_anchors_find_a_missing_sentence_that_lengths_cannot() -> None:
    target = ["kaa nete ani joni", "jawen ino bene kano", "bake rao ewa pui"]
    source = ["sun cat husband arrow", "child cure mother sibling"]  # no translation of the first
    lexicon = {
        "kaa": ["moon"],
        "nete": ["day"],
        "ani": ["big"],
        "joni": ["person", "man"],
        "jawen": ["sun"],
        "ino": ["cat", "jaguar"],
        "bene": ["husband"],
        "kano": ["arrow"],
        "bake": ["child"],
        "rao": ["cure", "medicine"],
        "ewa": ["mother"],
        "pui": ["sibling"],
    }
    right = {((0,), ()), ((1,), (0,)), ((2,), (1,))}
    assert {(k.target, k.source) for k in Aligner().align(target, source)} != right
    assert {(k.target, k.source) for k in Aligner(lexicon).align(target, source)} == right


def test_parallel_source_with_align_option(tmp_path: Path) -> None:
    (tmp_path / "qks.txt").write_text(
        "Ka nete jawen. Jainoa ea kai.\n\nBake rao iki.\n", encoding="utf-8"
    )
    (tmp_path / "es.txt").write_text(
        "El día es bonito. De allí me voy.\n\nEl niño cura.\n", encoding="utf-8"
    )
    ctx = ReaderContext(
        root=tmp_path,
        source_id="bitext",
        options={"translation": "es.txt", "align": True},
        translation_codes=("es",),
    )
    segments = list(reader_for("parallel")(tmp_path / "qks.txt", ctx))
    assert [(s.text, s.translation) for s in segments] == [
        ("Ka nete jawen.", "El día es bonito."),
        ("Jainoa ea kai.", "De allí me voy."),
        ("Bake rao iki.", "El niño cura."),
    ]
    assert segments[0].context["alignment"] == "1-1"


def test_anchors_come_from_the_projects_own_dictionary_source(tmp_path: Path) -> None:
    import yaml
    from conftest import run_cli

    from seshat.scaffold import scaffold

    folder = tmp_path / "proj"
    scaffold(folder, name="Kaniwa", code="qks")
    raw = folder / "data" / "raw"
    rows = [
        "qks\tspanish",
        "kaa\tluna",
        "nete\tdía",
        "ani\tgrande",
        "joni\tpersona",
        "jawen\tsol",
        "ino\tgato",
        "bene\tesposo",
        "kano\tflecha",
    ]
    (raw / "dict.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    # the Spanish side misses the first sentence; lengths alone would pair it wrongly
    (raw / "story.qks").write_text(
        "Bene kano ani. Kaa nete ani joni. Jawen ino bene kano. Joni ani nete.\n", encoding="utf-8"
    )
    (raw / "story.es").write_text(
        "La flecha grande del esposo. El sol, el gato, el esposo y la flecha. La persona grande de"
        " día.\n",
        encoding="utf-8",
    )
    config = folder / "seshat.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["sources"] = [
        {"id": "dict", "path": "data/raw/dict.tsv", "format": "tsv"},
        {
            "id": "story",
            "path": "data/raw/story.qks",
            "format": "parallel",
            "options": {"translation": "data/raw/story.es", "align": True, "lexicon": "dict"},
        },
    ]
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run_cli("data", "ingest", "-C", str(folder))
    assert result.returncode == 0, result.stderr
    lines = (folder / "data" / "records" / "story.jsonl").read_text(encoding="utf-8").splitlines()
    import json

    pairs = [(json.loads(x)["text"], json.loads(x)["translation"]) for x in lines]
    assert pairs == [
        ("Bene kano ani.", "La flecha grande del esposo."),
        ("Jawen ino bene kano.", "El sol, el gato, el esposo y la flecha."),
        ("Joni ani nete.", "La persona grande de día."),
    ]
