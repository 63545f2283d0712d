"""Retrieval-augmented translation prompts: from the training split only, never the example
itself, each record's level respected at inference, deterministic."""

from __future__ import annotations

import json
from pathlib import Path

from canary import SACRED, write_canary_project
from conftest import run_cli

from seshat.data.retrieval import Index, learned_pairs, same_stem, words


def _rows() -> list[dict]:
    pairs = [
        ("kani wasi-pas", "el sol y la casa", "public"),
        ("kani nete", "el sol del día", "public"),
        ("mena tuku-ki", "la luna de noche", "restricted"),
        ("wasi pari", "la casa del agua", "sacred"),
    ]
    rows = [
        {"id": f"s{k}", "kind": "sentence", "text": t, "translation": s, "access": a}
        for k, (t, s, a) in enumerate(pairs)
    ]
    rows.append(
        {
            "id": "d1",
            "kind": "dictionary_entry",
            "text": "kani",
            "translation": "sol",
            "access": "public",
        }
    )
    rows.append(
        {
            "id": "d2",
            "kind": "dictionary_entry",
            "text": "wasi",
            "translation": "casas, hogar",
            "access": "sacred",
        }
    )
    return rows


def test_lookup_quotes_similar_pairs_and_dictionary_entries_within_the_level() -> None:
    index = Index.from_records(_rows())
    found = index.lookup("el sol y las casas", "source", 2, True, limit="sacred")
    assert found["examples"][0] == {"source": "el sol y la casa", "target": "kani wasi-pas"}
    assert {"word": "wasi", "meaning": "casas, hogar"} in found["dictionary"]
    public = index.lookup("el sol y las casas", "source", 4, True, limit="public")
    quoted = json.dumps(public)
    assert "wasi pari" not in quoted and "hogar" not in quoted and "tuku" not in quoted
    # the example itself (in training) and its exact text are never quoted
    itself = index.lookup("el sol y la casa", "source", 4, False, exclude="s0", limit="sacred")
    assert all(e["source"] != "el sol y la casa" for e in itself["examples"])
    # the other direction reads the target side
    back = index.lookup("kani", "target", 1, True, limit="public")
    assert back["dictionary"] == [{"word": "kani", "meaning": "sol"}]
    assert index.lookup("el sol y las casas", "source", 2, True) == found  # deterministic


def _pairs(rows: list[tuple[str, str, str]]) -> list[dict]:
    return [
        {"id": f"p{k}", "kind": "sentence", "text": t, "translation": s, "access": a}
        for k, (t, s, a) in enumerate(rows)
    ]


def test_word_for_word_draft_uses_the_dictionary_then_learned_pairs() -> None:
    lexicon = {"id": "d", "kind": "dictionary_entry", "text": "jakon", "translation": "buena, bien"}
    rows = [
        *_pairs(
            [
                ("Wasi jakon", "La casa es buena", "public"),
                ("Nokon wasi", "Mi casa", "public"),
                ("Wasi ani", "La casa es grande", "public"),
                ("Nete jakon", "El día es bueno", "public"),
                ("Nokon nete", "Mi día", "public"),
            ]
        ),
        {**lexicon, "access": "public"},
    ]
    index = Index.from_records(rows)
    found = index.lookup("Mi casa buena: Pedro, 20 soles.", "source", 0, False, word_by_word=True)
    # learned: mi -> nokon, casa -> wasi; the dictionary: buena -> jakon; a name, a number and a
    # word never seen stay as they are; a capitalised word's translation is capitalised
    assert found["draft"] == "Nokon wasi jakon: Pedro, 20 soles."
    back = index.lookup("nokon wasi", "target", 0, False, word_by_word=True)
    assert back["draft"] == "mi casa"
    assert "draft" not in index.lookup("mi casa", "source", 1, True)  # only when asked
    # deterministic, and the same after a round trip through the saved index
    assert Index.from_records(rows).entries == index.entries


def test_learned_pairs_need_evidence_and_carry_the_most_closed_level(tmp_path: Path) -> None:
    rows = _pairs(
        [
            ("mena tuku", "la luna de noche", "public"),
            ("mena pari", "la luna del agua", "sacred"),
            ("kani", "sol", "public"),  # seen once: too little to learn from
        ]
    )
    index = Index.from_records(rows)
    learned = {(e.kind, e.source, e.target): e.access for e in index.entries if not e.id}
    assert learned[("learned_source", "luna", "mena")] == "sacred"
    assert not any(e.source == "sol" for e in index.entries if not e.id)
    # a destination that may not quote the sacred pair does not get the word it gave
    assert (
        index.lookup("luna", "source", 0, False, word_by_word=True, limit="public")["draft"]
        == "luna"
    )
    assert index.lookup("luna", "source", 0, False, word_by_word=True)["draft"] == "mena"
    index.save(tmp_path / "retrieval.jsonl")
    again = Index.load(tmp_path / "retrieval.jsonl")
    assert again is not None and again.word_for_word == index.word_for_word
    assert learned_pairs([]) == []


def test_stems() -> None:
    assert same_stem("casas", "casa") and same_stem("caminaba", "caminar")
    assert not same_stem("casa", "cosa") and not same_stem("sol", "solamente")


def _with_retrieval(folder: Path) -> None:
    config = folder / "seshat.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "tasks:\n",
        "tasks:\n  retrieval: {examples: 2, dictionary: true, word_by_word: true}\n",
        1,
    )
    config.write_text(text, encoding="utf-8")


def test_format_quotes_the_training_split_only(tmp_path: Path) -> None:
    folder = write_canary_project(tmp_path / "proj")
    _with_retrieval(folder)
    done = run_cli("data", "run", "-C", str(folder))
    assert done.returncode == 0, done.stderr
    formatted = folder / "data" / "formatted"
    manifest = json.loads((formatted / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["retrieval"]["index"]["pairs"] > 0
    train_ids = {
        json.loads(line)["id"]
        for line in (folder / "data/splits/train.jsonl").read_text(encoding="utf-8").splitlines()
    }
    index = Index.load(formatted / "retrieval.jsonl")
    assert index is not None and {e.id for e in index.entries if e.id} <= train_ids
    # learned word pairs come from the training split's words only
    train_words = {
        w
        for line in (folder / "data/splits/train.jsonl").read_text(encoding="utf-8").splitlines()
        for field in ("text", "translation")
        for w in words(json.loads(line).get(field) or "")
    }
    learned = [e for e in index.entries if not e.id]
    assert learned and all(
        set(words(e.source)) | set(words(e.target)) <= train_words for e in learned
    )
    held = [
        json.loads(line)
        for name in ("dev", "test")
        for line in (folder / f"data/splits/{name}.jsonl").read_text().splitlines()
    ]
    quoting = [
        json.loads(line)["messages"][1]["content"]
        for line in (formatted / "test.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert any("Examples:" in q for q in quoting)
    tasks = [
        json.loads(line)["task"]
        for line in (formatted / "test.meta.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    translating = [q for q, t in zip(quoting, tasks, strict=True) if t.startswith("translate_")]
    assert translating and all("\nWord for word: " in q for q in translating)
    for record in held:  # no dev or test sentence is ever quoted as an example
        for question in quoting:
            block = question.split("Translate from")[0]
            assert f": {record['text']}\n" not in block


def test_translate_quotes_only_what_the_demo_rule_allows(tmp_path: Path) -> None:
    from seshat.config.loader import load_project
    from seshat.serve.prompts import retrieval_chats

    folder = write_canary_project(tmp_path / "proj")
    _with_retrieval(folder)
    assert run_cli("data", "run", "-C", str(folder)).returncode == 0
    project = load_project(folder, [])
    words = ["kani", "wasi", "nete", "jawen", "pari", "tuku", "mena", "sori", "wira", "lato"]
    chats = retrieval_chats(project, "translate_to_source", words, "restricted")
    assert chats is not None and any("Dictionary:" in c[-1]["content"] for c in chats)
    assert all(SACRED not in json.dumps(c) for c in chats)
    everything = retrieval_chats(project, "translate_to_source", words, "sacred")
    assert any(SACRED in json.dumps(c) for c in everything)  # the limit is what keeps it out


def test_the_prompt_book_renders_the_shipped_templates(tmp_path: Path) -> None:
    """The demo and translate ask with the same templates; retrieval stays empty there."""
    from seshat.config.loader import load_project
    from seshat.serve.prompts import PLACEHOLDER, prompt_book

    folder = write_canary_project(tmp_path / "proj")
    book = prompt_book(load_project(folder, []))
    assert book["tasks"]["translate_to_target"]["template"].endswith(PLACEHOLDER)
    assert "Examples:" not in book["tasks"]["translate_to_source"]["template"]


def test_a_project_template_without_the_draft_is_refused(tmp_path: Path) -> None:
    """word_by_word with a project's own older template: said, not silently left out."""
    folder = write_canary_project(tmp_path / "proj")
    _with_retrieval(folder)
    own = folder / "templates" / "tasks"
    own.mkdir(parents=True)
    (own / "translate_to_target.j2").write_text(
        "{% macro user(s) %}Translate from {{ source }} to {{ target }}:\n"
        "{{ s.translation }}{% endmacro %}\n"
        "{% macro assistant(s) %}{{ s.text }}{% endmacro %}\n",
        encoding="utf-8",
    )
    done = run_cli("data", "run", "-C", str(folder))
    assert done.returncode != 0
    assert "does not show the draft" in done.stderr and "Traceback" not in done.stderr
