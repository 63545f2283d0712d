"""``seshat data split`` and ``seshat data format``: leak-free, deterministic, every task from the
right records, prompts naming the project's languages, a sidecar per example."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from test_data_ingest import _project

from seshat.config.loader import load_project
from seshat.corpus.jsonl import write_segments
from seshat.corpus.segment import Provenance, Segment
from seshat.data.split import split


def _segment(text: str, document: str, translation: str = "t", kind: str = "sentence") -> Segment:
    return Segment(
        kind=kind,
        text=text,
        translation=translation,
        document=document,
        provenance=Provenance(source="s", file="f.txt", record=f"{document}/{text}"),
    )


def test_split_keeps_documents_whole_and_duplicates_out_of_train(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    records = [_segment(f"s{i}", f"doc{i // 4}") for i in range(400)]
    records += [_segment("same text", f"dup{i}") for i in range(30)]  # one text in 30 documents
    write_segments(folder / "data" / "clean" / "s.jsonl", records)
    project = load_project(folder, ["splits.dev=0.1", "splits.test=0.1"])
    summary = split(project)
    held, repeated = summary["held_out_duplicates"], summary["repeated_in_split"]
    assert sum(summary["counts"].values()) + held + repeated == 430
    where: dict[str, set[str]] = {}
    texts: dict[str, set[str]] = {}
    for name in ("train", "dev", "test"):
        for line in (folder / "data" / "splits" / f"{name}.jsonl").read_text().splitlines():
            row = json.loads(line)
            where.setdefault(row["document"], set()).add(name)
            texts.setdefault(row["text"], set()).add(name)
    assert all(len(splits) == 1 for splits in where.values()), "a document was cut in two"
    assert all(len(splits) == 1 for splits in texts.values()), "a text leaked across splits"
    assert 20 <= summary["counts"]["test"] <= 70 and 20 <= summary["counts"]["dev"] <= 70
    first = (folder / "data" / "splits" / "train.jsonl").read_bytes()
    split(project)
    assert (folder / "data" / "splits" / "train.jsonl").read_bytes() == first


def test_ingest_split_format_gives_chat_jsonl_with_a_sidecar(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    config = folder / "seshat.yaml"
    broken = "  - id: broken\n    path: data/raw/broken.lift\n    format: lift\n"
    config.write_text(config.read_text().replace(broken, ""))
    assert run_cli("data", "ingest", "-C", str(folder)).returncode == 0
    assert run_cli("data", "clean", "-C", str(folder)).returncode == 0
    done = run_cli("data", "split", "-C", str(folder), "splits.dev=0", "splits.test=0")
    assert done.returncode == 0, done.stderr
    formatted = run_cli(
        "data", "format", "-C", str(folder), "tasks.dictionary=1", "tasks.reverse_dictionary=1"
    )
    assert formatted.returncode == 0, formatted.stderr
    train = folder / "data" / "formatted" / "train.jsonl"
    chats = [json.loads(line) for line in train.read_text(encoding="utf-8").splitlines()]
    meta = [json.loads(line) for line in train.with_suffix(".meta.jsonl").read_text().splitlines()]
    assert len(chats) == len(meta) > 0
    assert {m["task"] for m in meta} == {
        "dictionary",
        "reverse_dictionary",
        "translate_to_target",
        "translate_to_source",
    }
    for chat in chats:
        roles = [m["role"] for m in chat["messages"]]
        assert roles == ["system", "user", "assistant"]
        assert "Kaniwa" in chat["messages"][0]["content"]
    lookup = [c for c, m in zip(chats, meta, strict=True) if m["task"] == "reverse_dictionary"]
    assert any(
        c["messages"][1]["content"] == 'How do you say "día" in Kaniwa?'
        and c["messages"][2]["content"] == "nete"
        for c in lookup
    )
    story = [c for c, m in zip(chats, meta, strict=True) if m["task"] == "translate_to_source"]
    assert any("ka nete jawen" in c["messages"][1]["content"] for c in story)
    assert {m["access"] for m in meta} == {"public", "restricted"}


def test_split_before_clean_names_the_command(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    result = run_cli("data", "split", "-C", str(folder))
    assert result.returncode == 1 and "seshat data clean" in result.stderr


def test_interlinear_records_teach_glossing_grammar_and_morphology(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    igt = Segment(
        kind="igt",
        text="a otoiso nahamwelo",
        translation="I, tomorrow, with Naham",
        morphemes="a otoiso naham-we-lo",
        gloss="I tomorrow Naham-MASC.SING-COMITATIVE",
        document="t1",
        provenance=Provenance(source="s", file="t.flextext", record="1"),
    )
    write_segments(folder / "data" / "clean" / "s.jsonl", [igt])
    weights = [f"tasks.{t}=0" for t in ("translate_to_target", "translate_to_source")]
    project = load_project(
        folder,
        [
            "splits.dev=0",
            "splits.test=0",
            *weights,
            "tasks.glossing=1",
            "tasks.grammar=1",
            "tasks.morphology=1",
        ],
    )
    split(project)
    from seshat.data.format import format_splits

    summary = format_splits(project)
    assert summary["splits"]["train"]["tasks"] == {"glossing": 1, "grammar": 1, "morphology": 1}
    chats = [
        json.loads(line)["messages"]
        for line in (folder / "data" / "formatted" / "train.jsonl").read_text().splitlines()
    ]
    answers = {chat[1]["content"].split(" ")[0]: chat[2]["content"] for chat in chats}
    assert answers["Gloss"].splitlines()[:2] == [igt.morphemes, igt.gloss]
    assert "- naham-we-lo: Naham-MASC.SING-COMITATIVE" in answers["Explain"]
    assert answers["Break"] == "naham-we-lo\nNaham-MASC.SING-COMITATIVE"
    assert any('"nahamwelo"' in chat[1]["content"] for chat in chats)


def test_a_test_split_in_another_spelling_is_flagged_with_a_mapping_to_try() -> None:
    from seshat.data.orthography import drift

    old = [f"quiquin huasi qui {k}" for k in range(200)]  # an older convention
    new = [f"kikin wasi ki {k}" for k in range(20)]  # the one the test set uses
    found = drift(old + new, new, "test")
    assert found["flag"] and "'qu'" in found["note"]
    assert found["suggest_normalize"] == {"qu": "k"}  # hu -> w has one word only: not said
    same = drift(old, old[:20], "test")
    assert not same["flag"] and "suggest_normalize" not in same
