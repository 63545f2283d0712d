"""Readers: real linguists' files from ../shared/corpora (when present) and small fixtures,
including broken inputs that must give a clear error naming the file and line."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError
from seshat.data.readers.registry import reader_for

CORPORA = Path(os.environ.get("SESHAT_CORPORA", REPO.parent / "shared" / "corpora"))
FIXTURES = REPO / "tests" / "fixtures" / "data"
# on a developer's machine without them the tests are skipped; under CI they must be there, so a
# missing folder fails the tests instead of hiding them
needs_corpora = pytest.mark.skipif(
    not CORPORA.is_dir() and not os.environ.get("CI"),
    reason=f"the shared corpora are not at {CORPORA} (set SESHAT_CORPORA to their folder)",
)


def read(fmt: str, path: Path, root: Path | None = None, **context: object) -> list[Segment]:
    ctx = ReaderContext(root=root or path.parent, source_id="src", **context)  # type: ignore[arg-type]
    return list(reader_for(fmt)(path, ctx))


@needs_corpora
def test_toolbox_interlinear_joins_wrapped_tiers() -> None:
    segments = read("toolbox", CORPORA / "linguist-formats/interlineaR/tuwariToolbox.txt")
    assert len(segments) == 7 and {s.kind for s in segments} == {"igt"}
    first = segments[0]
    assert first.text.startswith("ta samuelwe miasanene") and "foaplene" in first.text
    assert first.morphemes is not None and first.morphemes.startswith("ta samuel-we m-iasa-ne-ne")
    assert first.gloss is not None and first.gloss.startswith("we Samuel-M.S ?-to_help-Part-Part")
    assert len(first.morphemes.split()) == len(first.gloss.split())
    assert first.translation is not None and first.translation.startswith("We helped Samuel")
    assert first.provenance.record == "2014.VI.T62.001" and first.provenance.line == 5
    lines = (CORPORA / "linguist-formats/interlineaR/tuwariToolbox.txt").read_text().splitlines()
    for segment in segments:  # round trip: every record's line is its \ref in the file
        assert lines[segment.provenance.line - 1] == f"\\ref {segment.provenance.record}"
    assert first.document is not None and first.document.startswith("2014.VI.T62")


@needs_corpora
def test_toolbox_mdf_dictionary_senses_and_examples() -> None:
    segments = read("toolbox", CORPORA / "linguist-formats/interlineaR/tiny.sfm")
    kinds = Counter(s.kind for s in segments)
    assert kinds == {"dictionary_entry": 4, "example": 2}
    senses = [s for s in segments if s.kind == "dictionary_entry"]
    assert senses[0].text == "headword (starts Entry)"
    assert (
        senses[0].translation == "English gloss 1"
        and senses[0].definition == "English definition 1"
    )
    assert senses[0].pos is not None and senses[0].pos.startswith("part of speech 1 ")
    assert [s.text for s in senses[2:]] == [
        "subentry 1 (ends 2nd Sense & starts Subentry in Entry)",
        "subentry 2 (ends Sense and 1st Subentry & starts 2nd Subentry in Entry)",
    ]
    examples = [s for s in segments if s.kind == "example"]
    assert examples[1].translation == "English translation 2"
    assert {s.document for s in segments} == {"headword (starts Entry)"}


@needs_corpora
def test_lift_senses_glosses_in_the_source_language() -> None:
    segments = read(
        "lift",
        CORPORA / "linguist-formats/interlineaR/tuwariDictionary.lift",
        target_codes=("tww",),
        translation_codes=("tpi",),
    )
    senses = [s for s in segments if s.kind == "dictionary_entry"]
    talk = [s for s in senses if s.text == "ia"]
    assert [s.translation for s in talk] == ["tok", "tok_ples", "tok"]
    assert all(s.pos == "Noun" for s in talk)
    assert Counter(s.kind for s in segments)["example"] == 6


@needs_corpora
def test_flextext_phrases_with_morphemes_and_leipzig_glosses() -> None:
    segments = read(
        "flextext",
        CORPORA / "linguist-formats/interlineaR/tuwariInterlinear.xml",
        translation_codes=("en",),
    )
    assert len(segments) == 15  # 9 texts, 15 phrases
    assert len({s.document for s in segments}) == 9
    first = segments[0]
    assert first.text.startswith("a otoiso nahamwelo")
    assert first.morphemes is not None and "naham-we-lo" in first.morphemes.split()
    assert first.gloss is not None and "Naham-MASC.SING-COMITATIVE" in first.gloss.split()
    assert first.translation is not None and first.translation.startswith("I, tomorrow")
    assert len(first.morphemes.split()) == len(first.gloss.split())


@needs_corpora
def test_cldf_wordlist_picks_the_language_and_the_spanish_gloss() -> None:
    folder = CORPORA / "wordlists/panobodyparts_pano_shipibo/cldf"
    segments = read(
        "cldf", folder, root=CORPORA, target_name="Shipibo-Konibo", translation_name="Spanish"
    )
    assert len(segments) == 26 and {s.kind for s in segments} == {"wordlist"}
    assert all(s.translation for s in segments)
    assert all(s.provenance.file.endswith("forms.csv") and s.provenance.line for s in segments)
    rows = (folder / "forms.csv").read_text(encoding="utf-8").splitlines()
    for segment in segments:  # round trip: the provenance line holds the form and its id
        row = rows[segment.provenance.line - 1]
        assert row.startswith(f"{segment.provenance.record},") and segment.text in row


@needs_corpora
def test_cldf_unknown_language_lists_the_known_ones() -> None:
    folder = CORPORA / "wordlists/crossandean_quechua_aymara/cldf"
    with pytest.raises(ReaderError, match="no language matches") as info:
        read("cldf", folder, root=CORPORA, options={"language": "Klingon"})
    assert "options.language" in str(info.value.hint)


def test_elan_tiers_speaker_and_time_spans() -> None:
    segments = read("elan", FIXTURES / "sample.eaf")
    assert [s.text for s in segments] == ["ka nete jawen", "jainoa ea kai"]
    assert [s.translation for s in segments] == ["el día es bonito", "de allí me voy"]
    assert segments[1].provenance.start_ms == 2100 and segments[1].provenance.end_ms == 4700
    assert segments[0].speaker == {"id": "MARIA", "annotator": "JR"}


def test_table_with_bom_crlf_and_guessed_columns(tmp_path: Path) -> None:
    path = tmp_path / "dict.tsv"
    path.write_bytes("\ufeffkaniwa\tspanish\tpos\r\nnete\tdía\tn\r\njawen\tsu\tpro\r\n".encode())
    segments = read(
        "tsv",
        path,
        target_name="Kaniwa",
        translation_name="Spanish",
        options={"columns": {"pos": "pos"}},
    )
    assert [(s.text, s.translation, s.pos) for s in segments] == [
        ("nete", "día", "n"),
        ("jawen", "su", "pro"),
    ]
    assert [s.provenance.line for s in segments] == [2, 3]


def test_nfd_input_is_read_as_nfc(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("cafe\u0301\n", encoding="utf-8")
    assert read("plain", path)[0].text == "caf\u00e9"


@pytest.mark.parametrize(
    ("name", "fmt", "content", "expected"),
    [
        (
            "latin1.txt",
            "plain",
            "a\nseñor\n".encode("latin-1"),
            r"latin1.txt:2 is not valid utf-8-sig",
        ),
        ("no-marker.sfm", "toolbox", b"\\tx hello\n\\ft hola\n", "has no record marker"),
        ("other.lift", "lift", b"<?xml version='1.0'?><html/>", "is XML but not a LIFT lexicon"),
        (
            "cut.lift",
            "lift",
            b"<?xml version='1.0'?><lift><entry>",
            r"cut.lift:1:\d+ is not well-formed",
        ),
        ("bomb.lift", "lift", b'<!DOCTYPE l [<!ENTITY a "aaaa">]><lift>&a;</lift>', "entities"),
        ("bad.tsv", "tsv", b"kaniwa\tspanish\nx\ty\tz\n", r"bad.tsv:2 has 3 cells"),
        ("nocol.tsv", "tsv", b"foo\tbar\nx\ty\n", "no column is"),
        ("x.eaf", "elan", b"<lift/>", "not an ELAN file"),
    ],
)
def test_broken_input_names_file_line_and_next_step(
    tmp_path: Path, name: str, fmt: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReaderError, match=expected) as info:
        read(fmt, path, target_name="Kaniwa", translation_name="Spanish")
    assert info.value.hint


def test_parallel_files_must_have_the_same_number_of_lines(tmp_path: Path) -> None:
    (tmp_path / "kq.txt").write_text("uno\ndos\n")
    (tmp_path / "es.txt").write_text("one\n")
    with pytest.raises(ReaderError, match=r"has 2 lines but es\.txt has 1"):
        read("parallel", tmp_path / "kq.txt", root=tmp_path, options={"translation": "es.txt"})
    (tmp_path / "es.txt").write_text("one\ntwo\n")
    pairs = read("parallel", tmp_path / "kq.txt", root=tmp_path, options={"translation": "es.txt"})
    assert [(s.text, s.translation) for s in pairs] == [("uno", "one"), ("dos", "two")]


def test_an_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(ReaderError) as info:
        reader_for("midi")
    assert "toolbox" in str(info.value.hint) and "audio" in str(info.value.hint)


@needs_corpora
def test_xigt_resolves_segmentation_and_alignment() -> None:
    folder = CORPORA / "linguist-formats/xigt"
    abkhaz = read("xigt", folder / "abkhaz/abkhaz.xml", root=folder)
    assert len(abkhaz) == 2
    first = abkhaz[0]
    assert first.text == "at͡ʂʰkʷʰən atəpha dəjəbajt"
    assert first.morphemes == "a-t͡ʂʰkʷʰən a-təpha də-jə-ba-jt"
    assert first.gloss == "the-boy the-girl her-he-see-DYN.FIN"
    assert first.translation == "The boy saw the girl."
    korean = read("xigt", folder / "odin/kor-ex.xml", root=folder)
    assert korean[0].gloss == "I-Nom child-Dat rice-Acc eat-Caus-Pst-Dec"
    assert korean[0].translation == "I made the child eat rice."
    assert korean[0].document == "397"


def test_pdf_text_layer_sentences_with_pages(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(REPO / "tests" / "fixtures"))
    from make_pdf import make_pdf

    path = tmp_path / "book.pdf"
    make_pdf(
        path, [["Ka nete jawen. Jainoa ea", "kai. El Sr. Pérez vino."], [], ["Bake rao-", "kan."]]
    )
    segments = read("pdf", path, translation_codes=("es",), target_codes=("es",))
    assert [(s.text, s.provenance.page) for s in segments] == [
        ("Ka nete jawen.", 1),
        ("Jainoa ea kai.", 1),
        ("El Sr. Pérez vino.", 1),
        ("Bake raokan.", 3),
    ]
    assert not any(s.provenance.page == 2 for s in segments)  # a blank scan: OCR finds nothing
    scanned = tmp_path / "scan.pdf"
    make_pdf(scanned, [[], []])
    with pytest.raises(ReaderError, match="has no text layer") as info:
        read("pdf", scanned, options={"ocr": "never"})
    assert "options.ocr: auto" in str(info.value.hint)
    broken = tmp_path / "cut.pdf"
    broken.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ReaderError, match="not a readable PDF"):
        read("pdf", broken)


def test_cldf_provenance_lines_survive_a_cell_with_a_line_break(tmp_path: Path) -> None:
    (tmp_path / "languages.csv").write_text("ID,Name\nqks,Kaniwa\n", encoding="utf-8")
    (tmp_path / "parameters.csv").write_text("ID,Name\nsun,sol\nday,día\n", encoding="utf-8")
    (tmp_path / "forms.csv").write_text(
        'ID,Language_ID,Parameter_ID,Form,Comment\nf1,qks,sun,jawen,"two\nlines"\nf2,qks,day,nete,\n',
        encoding="utf-8",
    )
    segments = read("cldf", tmp_path, target_name="Kaniwa")
    assert [(s.text, s.provenance.line) for s in segments] == [("jawen", 2), ("nete", 4)]
