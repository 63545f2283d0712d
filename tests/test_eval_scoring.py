"""Evaluation examples, score tables with controls, and the HTML report (no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seshat.errors import DataError
from seshat.eval.examples import Example, load_examples, references_by_task
from seshat.eval.report import write_report
from seshat.eval.scoring import sample_rows, score_table, verdicts


def _chat(user: str, answer: str) -> dict:
    return {
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ]
    }


def _write_split(folder: Path, name: str, rows: list[tuple[str, str, str, int, str]]) -> Path:
    """rows: (task, user, answer, copy, access)."""
    folder.mkdir(parents=True, exist_ok=True)
    chat = folder / f"{name}.jsonl"
    chat.write_text("".join(json.dumps(_chat(u, a)) + "\n" for _, u, a, _, _ in rows))
    meta = folder / f"{name}.meta.jsonl"
    meta.write_text(
        "".join(
            json.dumps({"task": t, "record": f"r{k}", "copy": c, "access": acc}) + "\n"
            for k, (t, _, _, c, acc) in enumerate(rows)
        )
    )
    return chat


ROWS = [
    ("translate_to_target", "Translate:\nel perro", "kani", 0, "public"),
    ("translate_to_target", "Translate:\nel perro", "kani", 1, "public"),  # a repeated copy
    ("translate_to_target", "Translate:\nla casa", "wasi", 0, "restricted"),
    ("translate_to_source", "Translate:\nmayu", "el río", 0, "public"),
    ("dictionary", 'What does "inti" mean?', "inti: sol", 0, "community"),
]


def test_examples_drop_repeated_copies_and_keep_inputs(tmp_path: Path) -> None:
    chat = _write_split(tmp_path / "data" / "formatted", "test", ROWS)
    examples = load_examples(tmp_path, chat, "test")
    assert [e.task for e in examples] == [
        "translate_to_target",
        "translate_to_target",
        "translate_to_source",
        "dictionary",
    ]
    assert examples[0].prompt[-1]["role"] == "user" and examples[0].reference == "kani"
    # without the split's records, the input is the last line of the question
    assert examples[0].source_text == "el perro"
    assert examples[1].access == "restricted"


def test_limit_keeps_every_task(tmp_path: Path) -> None:
    chat = _write_split(tmp_path, "test", ROWS)
    limited = load_examples(tmp_path, chat, "test", limit=3)
    assert sorted({e.task for e in limited}) == [
        "dictionary",
        "translate_to_source",
        "translate_to_target",
    ]


def test_empty_or_missing_split_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "test.jsonl"
    empty.write_text("")
    with pytest.raises(DataError, match="empty: there is nothing to evaluate"):
        load_examples(tmp_path, empty, "test")
    with pytest.raises(DataError, match="does not exist"):
        load_examples(tmp_path, tmp_path / "nope.jsonl", "test")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": [\n')
    with pytest.raises(DataError, match="line 1: not valid JSON"):
        load_examples(tmp_path, broken, "test")


def test_controls_and_verdicts(tmp_path: Path) -> None:
    chat = _write_split(tmp_path, "test", ROWS)
    train = _write_split(
        tmp_path / "train",
        "train",
        [
            ("translate_to_target", "Translate:\nel sol", "inti", 0, "public"),
            ("translate_to_source", "Translate:\nkilla", "la luna", 0, "public"),
            ("dictionary", 'What does "yaku" mean?', "yaku: agua", 0, "public"),
        ],
    )
    examples = load_examples(tmp_path, chat, "test")
    perfect = [e.reference for e in examples]
    table = score_table(examples, perfect, references_by_task(train), bootstrap=0)
    assert set(table["tasks"]) == {
        "translate_to_target",
        "translate_to_source",
        "dictionary",
        "all",
    }
    assert table["tasks"]["dictionary"]["exact_match"] == 100.0
    assert table["tasks"]["translate_to_source"]["beats_controls"]
    copied = [e.source_text for e in examples]
    bad = score_table(examples, copied, references_by_task(train), bootstrap=0)
    assert not bad["tasks"]["all"]["beats_controls"]
    said = verdicts(bad)
    # copying the input scores exactly as copying the input: no different from it, no interval
    assert any("no different from copying the input" in line for line in said), said
    rows = sample_rows(examples, copied, worst=2, first=1)
    assert len(rows["worst"]) == 2 and rows["worst"][0]["chrf++"] <= rows["worst"][1]["chrf++"]


def test_report_is_self_contained_and_share_hides_closed_samples(tmp_path: Path) -> None:
    chat = _write_split(tmp_path, "test", ROWS)
    examples = load_examples(tmp_path, chat, "test")
    outputs = [e.reference for e in examples]
    table = score_table(examples, outputs, {}, bootstrap=0)
    run = tmp_path / "runs" / "r1"
    (run / "eval" / "hf").mkdir(parents=True)
    (run / "status.json").write_text(
        json.dumps({"state": "succeeded", "eval": {"latest": "eval/hf"}})
    )
    (run / "metrics.jsonl").write_text(
        "".join(
            json.dumps({"step": s, "loss": 3.0 / s, "eval_loss": 3.5 / s}) + "\n" for s in (1, 2, 3)
        )
    )
    record = {
        "examples": len(examples),
        "split": "test",
        "engine_description": "test engine",
        **table,
        "verdicts": verdicts(table),
        "samples": sample_rows(examples, outputs),
    }
    (run / "eval" / "hf" / "scores.json").write_text(json.dumps(record))
    page = write_report(tmp_path, ["r1"]).read_text()
    assert "<svg" in page and "nrefs:1|case:mixed" in page and "<script" not in page
    assert "wasi" in page  # the restricted record's sample shows in a local report
    shared = write_report(tmp_path, ["r1"], tmp_path / "shared.html", share=True).read_text()
    assert "wasi" not in shared and "left out" in shared


def test_differences_against_controls_and_baseline_feed_the_quickstart_verdict(
    tmp_path: Path,
) -> None:
    from seshat.quickstart.summary import translation_verdicts, verdict_line

    rows = [
        (task, f"Translate:\nfrase {k}", f"kani wasi nete{k} jawen", 0, "public")
        for k in range(12)
        for task in ("translate_to_target", "translate_to_source")
    ]
    chat = _write_split(tmp_path, "test", rows)
    train = _write_split(tmp_path / "train", "train", [rows[0]])
    examples = load_examples(tmp_path, chat, "test")
    perfect = [e.reference for e in examples]
    untuned = ["I cannot translate that." for _ in examples]
    table = score_table(
        examples, perfect, references_by_task(train), bootstrap=200, baseline=untuned
    )
    entry = table["tasks"]["translate_to_target"]
    assert set(entry["differences"]) == {"copy_source", "random_target", "baseline"}
    for other in entry["differences"].values():
        assert set(other) == {"chrf", "chrf++"}
    found = translation_verdicts(table)
    assert set(found) == {"translate_to_target", "translate_to_source"}
    assert found["translate_to_target"]["learned"]
    line = verdict_line("translate_to_target", found["translate_to_target"], "Kaniwa", "Spanish")
    assert line.startswith("Spanish -> Kaniwa: chrF++ 100.0 is better than the untuned model")
    # the untuned model's answers as "ours": no gain over the controls -> not learned
    weak = score_table(
        examples, untuned, references_by_task(train), bootstrap=200, baseline=perfect
    )
    assert not any(v["learned"] for v in translation_verdicts(weak).values())


def test_a_model_below_its_untuned_base_is_called_worse_everywhere(tmp_path: Path) -> None:
    """The verdict words come from the paired interval, in the sentence and the summary."""
    from seshat.eval.evaluate import summary_markdown

    chat = _write_split(tmp_path / "data" / "formatted", "test", ROWS * 6)
    train = _write_split(tmp_path / "train", "train", ROWS)
    examples = load_examples(tmp_path, chat, "test")
    good = [e.reference for e in examples]
    bad = ["zzz" for _ in examples]
    table = score_table(examples, bad, references_by_task(train), bootstrap=200, baseline=good)
    said = verdicts(table)
    assert all("worse than the untuned model" in line for line in said), said
    record = {
        "run": "r1",
        "split": "test",
        "examples": len(examples),
        "engine_description": "x",
        "baseline": {"kind": "base"},
        **table,
        "verdicts": said,
    }
    summary = summary_markdown(record)
    assert "| the untuned model |" in summary and "**worse than**" in summary
    assert "has not learned this task" in summary  # no better than a random answer either
    better = score_table(examples, good, references_by_task(train), bootstrap=200, baseline=bad)
    assert all("better than the untuned model" in line for line in verdicts(better))


def test_runaway_answers_are_counted_per_task() -> None:
    from seshat.eval.limits import answer_limit, is_runaway, length_ratios, repeats_a_word

    assert repeats_a_word("nete nete nete nete nete jakon") and not repeats_a_word("nete nete")
    assert is_runaway("short", "limit") and is_runaway("a", "repetition")
    assert not is_runaway("nete " * 6, "end")  # the engine said how it ended
    assert is_runaway("nete " * 6, None)  # older answers: judged by their text
    train = [
        Example(str(k), "translate_to_target", [], "x" * (2 * n), "y" * n, None, None)
        for k, n in enumerate(range(10, 30))
    ]
    ratios = length_ratios(train)
    assert ratios == {"translate_to_target": 2.0}
    assert answer_limit("y" * 40, "translate_to_target", ratios, cap=128) == 68
    assert answer_limit("y" * 400, "translate_to_target", ratios, cap=128) == 128
    assert answer_limit("y", "dictionary", ratios, cap=128) == 128  # no ratio: the cap


def test_the_report_in_chromium_shows_the_untuned_baseline_and_signed_differences(
    tmp_path: Path,
) -> None:
    """A trained model below its untuned base, rendered and read back in a real browser."""
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    chat = _write_split(tmp_path / "data" / "formatted", "test", ROWS * 6)
    examples = load_examples(tmp_path, chat, "test")
    good = [e.reference for e in examples]
    bad = ["zzz" for _ in examples]
    train = _write_split(tmp_path / "train", "train", ROWS)
    table = score_table(examples, bad, references_by_task(train), bootstrap=200, baseline=good)
    run = tmp_path / "runs" / "r1"
    (run / "eval" / "hf").mkdir(parents=True)
    (run / "status.json").write_text(
        json.dumps({"state": "succeeded", "eval": {"latest": "eval/hf"}})
    )
    (run / "metrics.jsonl").write_text(
        json.dumps({"step": 0, "eval_loss": 3.0})
        + "\n"  # one dev point: still drawn
        + "".join(json.dumps({"step": s, "loss": 3.0 / s}) + "\n" for s in (1, 2, 3))
    )
    record = {
        "examples": len(examples),
        "split": "test",
        "engine_description": "test engine",
        "baseline": {"kind": "base", "model": "m"},
        **table,
        "verdicts": verdicts(table),
        "samples": sample_rows(examples, bad),
    }
    (run / "eval" / "hf" / "scores.json").write_text(json.dumps(record))
    page_path = write_report(tmp_path, ["r1"], tmp_path / "report.html")
    artifacts = Path(
        os.environ.get("SESHAT_TEST_ARTIFACTS", Path(__file__).parents[1] / "test-artifacts")
    )
    artifacts.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(page_path.resolve().as_uri())
        text = page.inner_text("body")
        page.screenshot(path=str(artifacts / "report.png"), full_page=True)
        browser.close()
    assert "the untuned model" in text  # the baseline column
    assert "worse than" in text and "worse than the untuned model" in text
    delta = table["tasks"]["translate_to_target"]["differences"]["baseline"]["chrf++"]
    assert f"{delta['delta']:+.1f} ({delta['low']:+.1f} to {delta['high']:+.1f})" in text
    assert "optimizer step" in text  # the loss chart's axis says what it counts
    assert (artifacts / "report.png").stat().st_size > 10_000


def test_the_generalisation_probe_and_morpheme_accuracy(tmp_path: Path) -> None:
    from seshat.eval.metrics import morpheme_accuracy

    rows = [
        ("translate_to_target", "Translate:\nel perro", "kani wasi", 0, "public"),
        ("translate_to_target", "Translate:\nla casa", "wasi-kan nete", 0, "public"),
    ]
    chat = _write_split(tmp_path / "f", "test", rows * 3)
    train = _write_split(tmp_path / "t", "train", [rows[0]])  # only "kani wasi" seen
    examples = load_examples(tmp_path, chat, "test")
    table = score_table(
        examples, [e.reference for e in examples], references_by_task(train), bootstrap=0
    )
    probe = table["tasks"]["translate_to_target"]["unseen_forms"]
    assert probe["examples"] == 3  # "wasi-kan nete": two forms training never wrote
    assert morpheme_accuracy(["wasi-kan\ncasa-PL día"], ["wasi-kan\ncasa-PL sol"]) == 200 / 3
    assert morpheme_accuracy([""], ["x\na-b"]) == 0.0


def test_the_scripts_repetition_guard_cuts_the_repeats() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "seshat" / "eval" / "scripts"))
    try:
        from repetition import guard
    finally:
        sys.path.pop(0)
    assert guard("nete kani kani kani kani kani") == ("nete kani", True)
    assert guard("kani kani kani jakon") == ("kani kani kani jakon", False)
