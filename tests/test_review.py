"""The review loop without a model: judgements stored and validated, the page's HTTP rules, the
``reviews`` source format turning corrections into training records, the summary's statistics.

The page in a real browser, with a real trained model, is in tests/integration/test_quickstart.py.
"""

from __future__ import annotations

import json
import statistics
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from canary import write_canary_project
from conftest import run_cli

from seshat.config.loader import load_project
from seshat.corpus.judgement import (
    Judgement,
    JudgementError,
    append_judgement,
    read_judgements,
    reviewer_file,
    run_judgements,
)
from seshat.data.readers.base import ReaderContext
from seshat.data.readers.reviews import read, reviews_in
from seshat.eval.examples import load_examples
from seshat.eval.human import correlations, summarize, summary_lines
from seshat.review.page import running_review
from seshat.runs.rundir import find_run


def judgement(**fields: object) -> Judgement:
    base: dict[str, object] = {
        "run": "r1",
        "model": "model-Q4_K_M.gguf",
        "item": "test:1",
        "kind": "translation",
        "task": "translate_to_target",
        "source_text": "el sol sale",
        "output": "kani wasi",
        "reference": "kani tuku",
        "access": "community",
        "records": ["abc"],
        "reviewer": "Ana Rosa Mahua",
        "at": "2026-11-30T10:00:00Z",
        "score": 40,
    }
    return Judgement.model_validate(base | fields)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"spans": [{"start": 0, "end": 99, "severity": "major"}]}, "runs past the output"),
        ({"spans": [{"start": 4, "end": 2, "severity": "minor"}]}, "before its start"),
        ({"spans": [{"start": 0, "end": 2, "severity": "fatal"}]}, "severity"),
        ({"score": 101}, "less than or equal to 100"),
        ({"access": "secret"}, "not one of"),
        ({"reviewer": "   "}, "empty"),
        ({"kind": "answer", "spans": [{"start": 0, "end": 2, "severity": "minor"}]}, "right or"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_a_judgement_that_makes_no_sense_is_refused(fields: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        judgement(**fields)


def test_each_reviewer_has_a_file_and_the_last_save_counts(tmp_path: Path) -> None:
    append_judgement(tmp_path, judgement(score=10))
    append_judgement(tmp_path, judgement(score=70, correction="kani tuku"))
    append_judgement(tmp_path, judgement(reviewer="Ëdi Sánchez", score=55))
    assert reviewer_file("r1", "Ana Rosa Mahua") == Path("data/reviews/r1/ana-rosa-mahua.jsonl")
    assert reviewer_file("r1", "Ëdi Sánchez").name == "ëdi-sánchez.jsonl"  # any script stays
    kept = {(j.reviewer, j.score) for j in run_judgements(tmp_path, "r1")}
    assert kept == {("Ana Rosa Mahua", 70), ("Ëdi Sánchez", 55)}


def test_a_torn_last_line_is_skipped_and_a_broken_one_named(tmp_path: Path) -> None:
    path = append_judgement(tmp_path, judgement())
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"run": "r1", "mod')  # a save cut off by a crash
    assert [n for n, _ in read_judgements(path)] == [1]
    path.write_text(path.read_text().replace('"score": 40', '"score": "lots"') + "\n")
    with pytest.raises(JudgementError, match=r"ana-rosa-mahua.jsonl:1 .*score: Input should be"):
        list(read_judgements(path))


def _context(tmp_path: Path, **options: object) -> ReaderContext:
    return ReaderContext(root=tmp_path, source_id="corrections", access="public", options=options)


def test_corrections_become_records_with_provenance_and_the_closed_level(tmp_path: Path) -> None:
    append_judgement(tmp_path, judgement(correction="kani tuku sori", score=35))
    append_judgement(
        tmp_path,
        judgement(
            item="new:9",
            task="translate_to_source",
            source_text="nete pari",
            output="día agua",
            reference=None,
            correction="el día del agua",
            access="restricted",
        ),
    )
    append_judgement(
        tmp_path,
        judgement(
            item="ask:1",
            kind="answer",
            task="dictionary",
            source_text="wira",
            output="viento",
            verdict="right",
            score=None,
        ),
    )
    append_judgement(tmp_path, judgement(item="ask:2", kind="answer", verdict="wrong", score=None))
    append_judgement(tmp_path, judgement(item="test:2"))  # scored, not corrected
    append_judgement(
        tmp_path, judgement(item="ask:3", kind="answer", task="grammar", verdict="right")
    )
    ctx = _context(tmp_path)
    path = tmp_path / reviewer_file("r1", "Ana Rosa Mahua")
    records = list(read(path, ctx))
    by_text = {r.text: r for r in records}
    fixed = by_text["kani tuku sori"]
    assert (fixed.kind, fixed.translation) == ("sentence", "el sol sale")
    assert fixed.access == "community"  # the record's level, above the source's public
    assert fixed.context["reviewer"] == "Ana Rosa Mahua" and fixed.context["reviewed_run"] == "r1"
    assert fixed.context["reviewed_at"] == "2026-11-30T10:00:00Z"
    assert fixed.provenance.record == "r1:test:1:Ana Rosa Mahua"
    assert [f.rule for f in fixed.flags] == ["reviewed_held_out"]  # a test sentence now trains
    other = by_text["nete pari"]
    assert (other.translation, other.access, other.flags) == ("el día del agua", "restricted", [])
    word = by_text["wira"]
    assert (word.kind, word.definition) == ("dictionary_entry", "viento")
    assert len(records) == 3
    assert dict(ctx.left_out) == {
        "answers marked wrong (without a correction)": 1,
        "judgements without a correction (scores and spans only)": 1,
        "judgements of grammar (no record kind holds its answers)": 1,
    }


def _reviews_project(tmp_path: Path) -> Path:
    project = write_canary_project(tmp_path / "proj")
    assert run_cli("data", "run", "-C", str(project)).returncode == 0
    return project


def test_reviews_go_to_training_and_leave_the_held_out_shares_alone(tmp_path: Path) -> None:
    project = _reviews_project(tmp_path)
    before = {
        name: (project / "data" / "splits" / f"{name}.jsonl").read_text().count("\n")
        for name in ("train", "dev", "test")
    }
    for k in range(4):
        append_judgement(
            project,
            judgement(item=f"test:{k}", source_text=f"frase {k}", correction=f"tuku wira {k}"),
        )
    spec = yaml.safe_load((project / "seshat.yaml").read_text())
    spec["sources"].append({"id": "corrections", "path": "data/reviews", "format": "reviews"})
    (project / "seshat.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    done = run_cli("data", "run", "-C", str(project))
    assert done.returncode == 0, done.stderr
    splits = project / "data" / "splits"
    after = {n: (splits / f"{n}.jsonl").read_text().count("\n") for n in ("train", "dev", "test")}
    assert after == {**before, "train": before["train"] + 4}
    assert reviews_in(splits / "train.jsonl") == [
        {"run": "r1", "reviewers": ["Ana Rosa Mahua"], "records": 4}
    ]
    formatted = (project / "data" / "formatted" / "train.jsonl").read_text(encoding="utf-8")
    assert "tuku wira 3" in formatted
    receipt = run_cli("data", "status", "-C", str(project))
    assert "corrections" in receipt.stdout


def _evaluated(tmp_path: Path) -> Path:
    """A run whose evaluation answered the test split (answers written here, not by a model)."""
    project = _reviews_project(tmp_path)
    run = project / "runs" / "r1"
    folder = run / "eval" / "gguf-Q4_K_M"
    folder.mkdir(parents=True)
    test = "data/formatted/test.jsonl"
    examples = load_examples(project, project / test, "test")
    (folder / "predictions.jsonl").write_text(
        "".join(
            json.dumps({"id": e.key, "output": e.reference[::-1] + " <b>x</b>"}) + "\n"
            for e in examples
        )
    )
    (folder / "scores.json").write_text(
        json.dumps({"split": "test", "split_file": {"path": test}, "engine": "gguf-Q4_K_M"})
    )
    sources = {"public-stories": {"public": 3}}
    (run / "access.json").write_text(json.dumps({"splits": {"train": {"sources": sources}}}))
    status = {"state": "succeeded", "eval": {"latest": "eval/gguf-Q4_K_M"}}
    (run / "status.json").write_text(json.dumps(status))
    (run / "spec.yaml").write_text("model:\n  base: Qwen/Qwen3-0.6B\n")
    return project


def _call(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_page_stores_what_the_server_knows_and_refuses_strangers(tmp_path: Path) -> None:
    project = _evaluated(tmp_path)
    loaded = load_project(project, [])
    run = find_run(project, "r1")
    with running_review(loaded, run, ask=False) as url:
        code, state = _call(url + "api/state?reviewer=Ana")
        assert code == 200 and state["items"] and state["judgements"] == {} and state["ask"] == []
        first = state["items"][0]
        assert first["id"].startswith("test:") and first["output"].endswith("<b>x</b>")
        forged = {"item": first["id"], "reviewer": "Ana", "score": 60, "output": "forged"}
        code, saved = _call(url + "api/judgement", {**forged, "spans": []})
        assert code == 400 and "output" in saved["error"]  # the server's own item, not the page's
        del forged["output"]
        code, saved = _call(url + "api/judgement", forged)
        assert (
            code == 200
            and saved["output"] == first["output"]
            and saved["access"]
            in (
                "public",
                "community",
                "restricted",
                "sacred",
            )
        )
        assert saved["prompt"] and saved["run"] == "r1"
        code, again = _call(url + "api/state?reviewer=Ana")
        assert list(again["judgements"]) == [first["id"]]  # resumes; others' work is apart
        assert _call(url + "api/state?reviewer=Bo")[1]["judgements"] == {}
        # DNS rebinding, another site's form, an unknown item, a huge body
        host = url.removeprefix("http://").rstrip("/")
        code, _ = _call(url + "api/state?reviewer=Ana", headers={"Host": "evil.example:80"})
        assert code == 403
        code, _ = _call(url + "api/judgement", forged, headers={"Origin": "http://evil.example"})
        assert code == 403
        code, _ = _call(url + "api/judgement", forged, headers={"Origin": f"http://{host}"})
        assert code == 200
        code, error = _call(url + "api/judgement", {**forged, "item": "test:999999"})
        assert code == 400 and "no item" in error["error"]
        code, error = _call(url + "api/judgement", {**forged, "comment": "x" * 300_000})
        assert code == 400
    lines = (project / reviewer_file("r1", "Ana")).read_text().splitlines()
    assert len(lines) == 2


def test_the_gate_decides_whether_the_page_opens(tmp_path: Path) -> None:
    from seshat.access import AccessError

    project = _evaluated(tmp_path)
    run = project / "runs" / "r1"
    sources = {"ceremony-words": {"sacred": 3}}
    (run / "access.json").write_text(json.dumps({"splits": {"test": {"sources": sources}}}))
    loaded, run_dir = load_project(project, []), find_run(project, "r1")
    with pytest.raises(AccessError, match="demo_ui"), running_review(loaded, run_dir, ask=False):
        pass


def test_correlations_match_statistics_and_need_three_varied_items() -> None:
    xs, ys = [10.0, 40.0, 40.0, 90.0], [12.0, 30.0, 35.0, 60.0]
    found = correlations(xs, ys)
    assert found["pearson"] == round(statistics.correlation(xs, ys), 3)
    assert found["spearman"] == round(statistics.correlation([1, 2.5, 2.5, 4], [1, 2, 3, 4]), 3)
    assert correlations([1.0, 2.0], [1.0, 2.0]) == {"pearson": None, "spearman": None}
    assert correlations([5.0, 5.0, 5.0], [1.0, 2.0, 3.0])["pearson"] is None


def test_the_summary_sets_people_beside_chrf_and_measures_agreement(tmp_path: Path) -> None:
    outputs = ["kani wasi", "tuku sori mena", "pari", "wira lato"]
    for k, (output, score) in enumerate(zip(outputs, (20, 80, 10, 60), strict=True)):
        common = {"item": f"test:{k}", "output": output, "reference": "tuku sori mena"}
        append_judgement(tmp_path, judgement(**common, score=score, reviewer="Ana"))
        append_judgement(tmp_path, judgement(**common, score=score + 10, reviewer="Bo"))
    append_judgement(
        tmp_path, judgement(item="ask:1", kind="answer", verdict="wrong", score=None, reviewer="Bo")
    )
    found = summarize(tmp_path, "r1")
    row = found["tasks"]["translate_to_target"]
    assert (row["items"], row["judgements"], row["reviewers"]) == (4, 8, ["Ana", "Bo"])
    assert row["human_score"] == 47.5 and row["pearson"] is not None and row["pearson"] > 0.5
    assert found["answers"]["translate_to_target"] == {
        "asked": 1,
        "right": 0,
        "wrong": 1,
        "corrected": 0,
    }
    (pair,) = found["agreement"]
    assert pair["items"] == 4 and pair["mean_abs_difference"] == 10 and pair["pearson"] == 1.0
    text = "\n".join(summary_lines(found))
    assert "Ana & Bo" in text and "47.5" in text
    (tmp_path / "runs" / "r1").mkdir(parents=True)
    (tmp_path / "runs" / "r1" / "status.json").write_text('{"state": "succeeded"}')
    shown = run_cli("review", "summary", "r1", "-C", str(tmp_path))
    assert shown.returncode == 0 and "47.5" in shown.stdout, shown.stderr
    assert "Nobody has reviewed" in "\n".join(summary_lines(summarize(tmp_path, "r9")))
    from seshat.eval.report import write_report

    page = write_report(tmp_path, ["r1"]).read_text(encoding="utf-8")
    assert "Human evaluation" in page and "Ana, Bo" in page and "47.5" in page
    shared = write_report(tmp_path, ["r1"], tmp_path / "shared.html", share=True).read_text()
    assert "2 reviewer(s)" in shared and "Ana" not in shared  # names stay out of shared reports


def test_withdrawing_a_source_takes_the_reviews_of_its_runs(tmp_path: Path) -> None:
    from seshat.withdraw import plan

    project = _reviews_project(tmp_path)
    run = project / "runs" / "r1"
    run.mkdir(parents=True)
    sources = {"healer-recordings": {"restricted": 4}}
    (run / "access.json").write_text(json.dumps({"splits": {"train": {"sources": sources}}}))
    judged = append_judgement(project, judgement(correction="tuku"))
    other = append_judgement(project, judgement(run="r2", correction="tuku"))
    records = project / "data" / "records" / "corrections.jsonl"
    records.write_text('{"context": {"reviewed_run": "r1", "reviewer": "Ana"}, "text": "tuku"}\n')
    found = plan(project, "healer-recordings")
    assert judged in found.files and records in found.files and other not in found.files
