"""Every reader reads a real file on a plain clone (tests/fixtures/real/, sources and licences in
its README): record counts and fields checked against the files, counted by hand."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from conftest import REPO

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext
from seshat.data.readers.registry import reader_for

REAL = REPO / "tests" / "fixtures" / "real"


def read(fmt: str, path: Path, **context: object) -> list[Segment]:
    ctx = ReaderContext(root=path.parent, source_id="src", **context)  # type: ignore[arg-type]
    return list(reader_for(fmt)(path, ctx))


def test_toolbox_interlinear_ginukh() -> None:
    """CRLF, column-aligned tiers, notes in other languages; 18 \\ref records."""
    segments = read("toolbox", REAL / "ginukh_pear_madi.txt")
    assert Counter(s.kind for s in segments) == {"igt": 18}
    first = segments[0]
    assert first.text == "diž yikes . diž bikes čeq čeqi rekʼe"
    assert first.morphemes == "diž y-ike-s . diž b-ike-s čeq čeq-i rekʼe"
    assert first.gloss.split()[0] == "I.DAT"
    assert first.translation == "I saw . I saw a forest, a person in the forest"
    # \ft has text in records 1-4 only (empty in 5-17, missing in 18)
    assert sum(1 for s in segments if s.translation) == 4


def test_toolbox_with_other_markers_mapped() -> None:
    r"""\t \m \g \f (wrapped over two groups), read through options.markers."""
    markers = {"tx": "t", "mb": "m", "ge": "g", "ft": "f"}
    (record,) = read("toolbox", REAL / "goodmami_corpus.txt", options={"markers": markers})
    assert record.text == "O Pedro baixou a bola"
    assert record.morphemes == "O Pedro bai-xou a bola"
    assert record.gloss == "the.M.SG Pedro lower-PST.IND.3SG the.F.SG ball.F.SG"
    assert record.translation == "Pedro calmed down."


def test_mdf_dictionary_hdi() -> None:
    """70 entries, 69 examples; English fields on request (French, the national, by default)."""
    segments = read("toolbox", REAL / "hdi_excerpt.sfm", options={"translation": "english"})
    kinds = Counter(s.kind for s in segments)
    assert kinds == {"dictionary_entry": 70, "example": 69}
    entries = [s for s in segments if s.kind == "dictionary_entry"]
    assert [e.text for e in entries[:3]] == ["-a-", "bə̀rzlà", "bə̀rzlà-kú"]
    assert entries[0].translation == "[verbal plural marker]"
    example = next(s for s in segments if s.kind == "example")
    assert (example.text, example.translation) == ("bə̀rzlú- bə̀rzlà", "the water ran")
    french = read("toolbox", REAL / "hdi_excerpt.sfm")
    assert next(s for s in french if s.kind == "dictionary_entry").definition == (
        "[marque du pluriel verbal]"
    )


def test_lift_biatah() -> None:
    """A BOM, no header, 4 deleted stubs among 40 entries: 41 senses of the 36 live ones."""
    segments = read(
        "lift", REAL / "biatah_excerpt.lift", target_codes=("bth",), translation_codes=("en",)
    )
    assert Counter(s.kind for s in segments) == {"dictionary_entry": 41}
    first = segments[0]
    assert first.text == "abit"
    assert first.translation == "water carrying basket"
    assert first.definition == "water carrying basket"


def test_flextext_kalamang() -> None:
    """CRLF and a BOM; 6 phrases of 6 paragraphs."""
    segments = read(
        "flextext",
        REAL / "kalamang_glosses_excerpt.flextext",
        target_codes=("kgv",),
        translation_codes=("en",),
    )
    assert Counter(s.kind for s in segments) == {"igt": 6}
    assert segments[0].text == "Kara gonggungnin ."
    assert segments[0].translation == "[They] didn't call you."
    assert segments[0].morphemes and segments[0].gloss


def test_elan_turkish() -> None:
    """EAF 2.6, 18 time slots; the utterance tier has 9 annotations."""
    segments = read("elan", REAL / "turkish.eaf")
    assert Counter(s.kind for s in segments) == {"transcript": 9}
    assert segments[0].text == "dün akşam koşa koşa eve geldim"
    assert segments[0].provenance.start_ms is not None


def test_xigt_from_a_small_document(tmp_path: Path) -> None:
    """Xigt's own format (its README's example shape), segmentation and alignment resolved."""
    xml = tmp_path / "corpus.xml"
    xml.write_text(
        """<xigt-corpus>
  <igt id="i1">
    <tier type="phrases" id="p"><item id="p1">Nay-ka ai-eykey</item></tier>
    <tier type="words" id="w" segmentation="p">
      <item id="w1" segmentation="p1[0:6]"/><item id="w2" segmentation="p1[7:15]"/>
    </tier>
    <tier type="morphemes" id="m" segmentation="w">
      <item id="m1" segmentation="w1[0:3]"/><item id="m2" segmentation="w1[4:6]"/>
      <item id="m3" segmentation="w2[0:2]"/><item id="m4" segmentation="w2[3:8]"/>
    </tier>
    <tier type="glosses" id="g" alignment="m">
      <item id="g1" alignment="m1">I</item><item id="g2" alignment="m2">NOM</item>
      <item id="g3" alignment="m3">child</item><item id="g4" alignment="m4">DAT</item>
    </tier>
    <tier type="translations" id="t" alignment="p">
      <item id="t1" alignment="p1">I to the child</item>
    </tier>
  </igt>
</xigt-corpus>
""",
        encoding="utf-8",
    )
    (igt,) = read("xigt", xml)
    assert igt.text == "Nay-ka ai-eykey"
    assert igt.morphemes == "Nay-ka ai-eykey"
    assert igt.gloss == "I-NOM child-DAT"
    assert igt.translation == "I to the child"


def _real_project(project: Path) -> Path:
    """A project reading five of the real files, its source language English (as theirs)."""
    import shutil

    raw = project / "data" / "raw"
    files = {
        "ginukh": ("ginukh_pear_madi.txt", "toolbox"),
        "hdi": ("hdi_excerpt.sfm", "toolbox"),
        "biatah": ("biatah_excerpt.lift", "lift"),
        "kalamang": ("kalamang_glosses_excerpt.flextext", "flextext"),
        "turkish": ("turkish.eaf", "elan"),
    }
    lines = ["sources:"]
    for source, (name, fmt) in files.items():
        shutil.copy(REAL / name, raw / name)
        lines.append(f"  - {{id: {source}, path: data/raw/{name}, format: {fmt}, access: public}}")
    config = project / "seshat.yaml"
    text = config.read_text(encoding="utf-8").replace("sources: []", "\n".join(lines), 1)
    config.write_text(text, encoding="utf-8")
    return project


def test_the_receipt_accounts_for_what_real_files_hold(project: Path) -> None:
    import json

    from conftest import run_cli

    _real_project(project)
    english = ("source_language.code=en", "source_language.name=English", "splits.group_by=record")
    done = run_cli("data", "run", "-C", str(project), *english)
    assert done.returncode == 0, done.stderr
    receipt = json.loads((project / "data/records/receipt.json").read_text(encoding="utf-8"))
    sources = receipt["sources"]
    # Ginukh: 18 records; 3 \nt notes (1 in the text header) and 4 \rt are not read; \ft has
    # text in 4 records, the 14 others are kept for glossing (counted by hand, grep -c '^\\nt')
    ginukh = sources["ginukh"]
    assert ginukh["records"] == {"igt": 18}
    assert ginukh["left_out_by_reader"] == {
        "\\dt fields before the first record (a header)": 2,
        "\\sen fields before the first record (a header)": 1,
        "\\nt fields (a marker this reader does not use)": 2,
        "\\nt fields before the first record (a header)": 1,
        "\\rt fields (a marker this reader does not use)": 4,
    }
    assert ginukh["without_translation"]["records"] == 14
    # Hdi, English source: the English fields are used, the French national ones counted
    hdi = sources["hdi"]
    assert hdi["records"] == {"dictionary_entry": 70, "example": 69}
    assert hdi["left_out_by_reader"]["\\dt fields (a marker this reader does not use)"] == 64
    assert hdi["languages_not_used"] == {
        "\\dn:national (assumed)": 70,
        "\\xn:national (assumed)": 21,
    }
    # Biatah LIFT: 40 entries, 36 with a lexical unit (4 without: counted, not dropped silently)
    assert sources["biatah"]["left_out_by_reader"] == {
        "entries without a headword in the target language": 4
    }
    # Kalamang: Dutch and Papuan Malay free translations are found and counted, not used
    assert set(sources["kalamang"]["languages_not_used"]) == {"translation:nl", "translation:pmy"}
    # Turkish ELAN: 5 tiers; the transcription and translation tiers are read (9 each), the word,
    # morpheme and gloss tiers counted (60, 126, 136 annotations)
    turkish = sources["turkish"]
    assert turkish["records"] == {"transcript": 9}
    assert sorted(turkish["left_out_by_reader"].values()) == [60, 126, 136]
    summary = done.stdout
    assert "ginukh: 18 igt" in summary and "14 without translation" in summary
    assert "receipt: data/records/receipt.json" in summary


def test_a_folder_of_files_the_format_does_not_read_is_counted(project: Path) -> None:
    import json

    from conftest import run_cli

    folder = project / "data" / "raw" / "notes"
    folder.mkdir()
    (folder / "a.doc").write_bytes(b"x")
    (folder / "b.doc").write_bytes(b"y")
    (folder / "c.txt").write_text("Nete jakon.\nJoni.\n", encoding="utf-8")
    config = project / "seshat.yaml"
    text = config.read_text(encoding="utf-8")
    source = "sources:\n  - {id: notes, path: data/raw/notes, format: plain, access: public}"
    config.write_text(text.replace("sources: []", source, 1), encoding="utf-8")
    run_cli("data", "run", "-C", str(project), "splits.group_by=record")
    receipt = json.loads((project / "data/records/receipt.json").read_text(encoding="utf-8"))
    assert receipt["sources"]["notes"]["left_out_by_reader"] == {
        "files ending .doc in the folder (plain reads .txt)": 2
    }


def test_unimorph_paradigms_of_evenki() -> None:
    """200 rows, 63 lemmas; a form with two analyses (a syncretism) is two records."""
    segments = read("paradigm", REAL / "evenki_unimorph_excerpt.tsv")
    assert len(segments) == 200 and {s.kind for s in segments} == {"inflection"}
    assert len({s.context["lemma"] for s in segments}) == 63  # cut -f1 | sort -u | wc -l
    first = segments[0]
    assert (first.context["lemma"], first.text, first.gloss) == (
        "aː",
        "aːďakal",
        "V;IPFV;FIN;IMP;SG;2;ACT",
    )
    assert first.document == "lemma:aː"
    twice = [s for s in segments if s.text == "abult͡ʃa"]
    assert len(twice) == 2 and len({s.gloss for s in twice}) == 2
    assert len({s.id for s in segments}) == 200


def test_a_wide_paradigm_table(tmp_path: Path) -> None:
    table = tmp_path / "nouns.tsv"
    table.write_text(
        "lemma\tN;SG\tN;PL\tN;DAT;SG\nkani\tkani\tkanibo\t-\nwasi\twasi\twasibo/wasikan\twasiki\n",
        encoding="utf-8",
    )
    ctx = ReaderContext(root=tmp_path, source_id="src", options={"alternatives": "/"})
    segments = list(reader_for("paradigm")(table, ctx))
    assert [(s.context["lemma"], s.gloss, s.text) for s in segments] == [
        ("kani", "N;SG", "kani"),
        ("kani", "N;PL", "kanibo"),
        ("wasi", "N;SG", "wasi"),
        ("wasi", "N;PL", "wasibo"),
        ("wasi", "N;PL", "wasikan"),
        ("wasi", "N;DAT;SG", "wasiki"),
    ]
    assert ctx.left_out == {"empty cells (no form for that feature bundle)": 1}


def test_paradigms_hold_out_whole_lemmas_and_feed_both_inflection_tasks(project: Path) -> None:
    import json
    import shutil

    from conftest import run_cli

    shutil.copy(REAL / "evenki_unimorph_excerpt.tsv", project / "data" / "raw" / "evn.tsv")
    config = project / "seshat.yaml"
    source = "sources:\n  - {id: evn, path: data/raw/evn.tsv, format: paradigm, access: public}"
    config.write_text(config.read_text(encoding="utf-8").replace("sources: []", source, 1))
    done = run_cli("data", "run", "-C", str(project), "splits.dev=0.1", "splits.test=0.1")
    assert done.returncode == 0, done.stderr

    def lemmas(split: str) -> set[str]:
        path = project / "data" / "splits" / f"{split}.jsonl"
        return {json.loads(line)["context"]["lemma"] for line in path.open(encoding="utf-8")}

    train, test = lemmas("train"), lemmas("test")
    assert test and not train & test  # forms of test lemmas never seen in training
    counts = json.loads((project / "data/splits/manifest.json").read_text(encoding="utf-8"))
    assert sum(counts["counts"].values()) == 200 and counts["unit"] == "document"
    formatted = json.loads(
        (project / "data" / "formatted" / "manifest.json").read_text(encoding="utf-8")
    )
    assert {"inflect", "analyse_form"} <= set(formatted["splits"]["test"]["tasks"])
    from seshat.eval.examples import load_examples

    examples = load_examples(project, project / "data" / "formatted" / "test.jsonl", "test")
    inflect = [e for e in examples if e.task == "inflect"]
    # the copy control of `inflect` copies the lemma (the trivial answer to beat)
    assert inflect and all(e.source_text in test for e in inflect)


def test_xigt_abkhaz() -> None:
    """Two igt; morphemes from segmentation expressions, two glosses of one morpheme joined."""
    ctx = ReaderContext(root=REAL, source_id="src")
    segments = list(reader_for("xigt")(REAL / "abkhaz.xigt.xml", ctx))
    assert [s.text for s in segments] == ["at͡ʂʰkʷʰən atəpha dəjəbajt", "at͡ʂʰkʷʰən atəpha dəjəbawam"]
    first = segments[0]
    assert first.morphemes == "a-t͡ʂʰkʷʰən a-təpha də-jə-ba-jt"
    assert first.gloss == "the-boy the-girl her-he-see-DYN.FIN"
    assert first.translation == "The boy saw the girl."
    assert segments[1].gloss == "the-boy the-girl her-he-see-PRS-NEG"
    assert ctx.left_out == {"syntax tiers (not read)": 2}  # one syntax tree per example
