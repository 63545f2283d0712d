"""A tiny Qwen3 (real Qwen vocabulary, random weights) trained for a few steps with Axolotl, then
exported to GGUF, verified, evaluated, reported, served and shown in the demo in a real browser.

The llama.cpp runtime env is built once per machine (llama-cpp-python compiles for 10-30 minutes
on two cores) and cached under SESHAT_HOME like the backend envs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, TINY, make_tiny_qwen, run_cli

from seshat.environments import install
from seshat.errors import ModelError

pytestmark = pytest.mark.integration
FIXTURES = REPO / "tests" / "fixtures"
ARTIFACTS = Path(os.environ.get("SESHAT_TEST_ARTIFACTS", REPO / "test-artifacts"))
TRAIN = [
    "backend=axolotl",
    "training.max_steps=6",
    "training.save_steps=6",
    "training.eval_steps=3",
    "training.lr=5e-3",
    *TINY,
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose one run is trained and exported (F32, Q8_0, Q4_K_M)."""
    from seshat.scaffold import scaffold

    backend, _ = install("axolotl", "cpu")
    install("llamacpp", "cpu")
    folder = tmp_path_factory.mktemp("export") / "proj"
    scaffold(folder, name="Toy", code="toy", model="./models/tiny", profile="strix-halo-cpu")
    make_tiny_qwen(backend.python, folder / "models" / "tiny")
    subprocess.run(
        [
            sys.executable,
            str(FIXTURES / "make_chat_data.py"),
            str(folder / "data" / "formatted"),
            "8",
        ],
        check=True,
    )
    trained = run_cli("train", "-C", str(folder), *TRAIN)
    assert trained.returncode == 0, trained.stdout + trained.stderr
    done = run_cli("export", "-C", str(folder), "quant=Q4_K_M,Q8_0", "dev_limit=4")
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


def _run(project: Path) -> Path:
    runs = [p for p in (project / "runs").iterdir() if (p / "status.json").is_file()]
    return min(runs, key=lambda p: len(p.name))  # the trained run, not a copy made by a test


def test_export_matches_the_merged_model(exported: Path) -> None:
    run = _run(exported)
    record = json.loads((run / "export" / "export.json").read_text())
    assert set(record["files"]) == {"F32", "Q8_0", "Q4_K_M"}
    assert record["verification"]["logits"]["max_abs_diff"] <= 1e-4
    vocabulary = record["verification"]["vocabulary"]
    assert vocabulary["passed"] and vocabulary["gguf_tokens"] == vocabulary["model_embedding_rows"]
    # Q8_0 and Q4_K_M loaded and generated: each was scored on dev examples
    assert set(record["quality"]["scores"]) == {"F32", "Q8_0", "Q4_K_M"}
    card = (run / "export" / "README.md").read_text()
    assert "Access level" in card and "max |difference|" in card
    assert "FROM ./model-Q4_K_M.gguf" in (run / "export" / "Modelfile").read_text()
    status = json.loads((run / "status.json").read_text())
    assert status["export"]["files"]["Q4_K_M"] == "model-Q4_K_M.gguf"


def test_a_gguf_of_the_unmerged_base_is_caught(exported: Path, tmp_path: Path) -> None:
    from seshat.environments import require_env
    from seshat.export.export import compare_logits, convert, reference_logits, verify_logits

    run = _run(exported)
    backend, runtime = require_env("axolotl", "cpu"), require_env("llamacpp", "cpu")
    log = tmp_path / "log.txt"
    reference = tmp_path / "merged.npz"
    reference_logits(
        run / "merged", backend, ["kani wasi-pas", "el perro y el sol"], reference, log
    )
    base_gguf = tmp_path / "base.gguf"
    convert(exported / "models" / "tiny", backend, runtime, base_gguf, "f32", log)
    result = compare_logits(runtime, base_gguf, reference, log)
    assert result["max_abs_diff"] > 1e-2
    with pytest.raises(ModelError, match="does not compute what"):
        verify_logits(result, "f32", base_gguf, run / "merged")


def test_eval_scores_beside_controls_with_signatures(exported: Path) -> None:
    done = run_cli("eval", "-C", str(exported), "limit=6", "bootstrap=100")
    assert done.returncode == 0, done.stdout + done.stderr
    run = _run(exported)
    scores = json.loads((run / "eval" / "gguf-Q4_K_M" / "scores.json").read_text())
    task = scores["tasks"]["chat"]
    assert task["examples"] == 6
    assert task["scores"]["chrf++"]["signature"].startswith("nrefs:1|")
    assert "nw:2" in task["scores"]["chrf++"]["signature"]
    assert {"copy_source", "random_target"} <= set(task["controls"])
    assert len(scores["verdicts"]) == 1
    records = b"".join(p.read_bytes() for p in (run / "wandb").glob("offline-run-*/*.wandb"))
    assert b"eval/gguf-Q4_K_M/chat/chrf++" in records  # the scores reached the run's W&B record
    baseline = run_cli(
        "eval",
        "-C",
        str(exported),
        "engine=transformers",
        "baseline=base",
        "limit=6",
        "bootstrap=100",
    )
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    paired = json.loads((run / "eval" / "hf" / "scores.json").read_text())
    assert "p_value" in paired["tasks"]["chat"]["baseline"]["paired_bootstrap"]["chrf++"]
    # the GGUF against its untuned base as a GGUF of the same type: made once, then reused
    from seshat.export.base_gguf import FOLDER
    from seshat.paths import seshat_home

    for cached in (seshat_home() / FOLDER).glob("tiny-*"):
        shutil.rmtree(cached)  # made by an earlier run of this test
    for attempt in (1, 2):
        gguf = run_cli("eval", "-C", str(exported), "baseline=base", "limit=6", "bootstrap=100")
        assert gguf.returncode == 0, gguf.stdout + gguf.stderr
        assert ("converting the untuned" in gguf.stderr) == (attempt == 1)
    scores = json.loads((run / "eval" / "gguf-Q4_K_M" / "scores.json").read_text())
    assert scores["baseline"]["engine"].startswith("llama.cpp (model-Q4_K_M.gguf")
    answers = (run / "eval" / "base-gguf-Q4_K_M" / "predictions.jsonl").read_text().splitlines()
    assert len(answers) == 6
    report = run_cli("report", "-C", str(exported))
    assert report.returncode == 0, report.stderr
    page = (run / "report.html").read_text()
    assert "<svg" in page and "nrefs:1" in page


def test_serve_answers_then_stops(exported: Path) -> None:
    from seshat.environments import require_env
    from seshat.serve.server import running_server

    run = _run(exported)
    runtime = require_env("llamacpp", "cpu")
    with running_server(
        runtime, run / "export" / "model-Q4_K_M.gguf", run / "logs" / "t.log"
    ) as server:
        request = urllib.request.Request(
            f"{server.url}/chat/completions",
            data=json.dumps(
                {"messages": [{"role": "user", "content": "Traduce: el perro"}], "max_tokens": 8}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert answer["choices"][0]["message"]["role"] == "assistant"
        process, port = server.process, server.port
    assert process.poll() is not None  # stopped, nothing left running
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))  # nothing listens there any more


def test_translate_one_sentence(exported: Path) -> None:
    done = run_cli("translate", "-C", str(exported), "el perro y el sol", "--to", "toy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_demo_translates_in_a_real_browser(exported: Path) -> None:
    from playwright.sync_api import sync_playwright

    from seshat.config.loader import load_project
    from seshat.ui.demo import running_demo

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_demo(load_project(exported, []), "latest") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        page.goto(url)
        assert "Access level of the training data" in page.content()
        page.locator("#translate-input textarea").fill("el perro y el sol")
        page.locator("#translate-button").click()
        page.locator("#translate-status").get_by_text("Answered").wait_for(timeout=120_000)
        assert page.locator("#translate-output textarea").input_value()
        page.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "demo.png").stat().st_size > 10_000


def _copy_run(project: Path, suffix: str) -> Path:
    run = _run(project)
    copy = run.with_name(run.name + suffix)
    shutil.copytree(
        run, copy, ignore=shutil.ignore_patterns("wandb", "merged", "checkpoint-*", "eval")
    )
    return copy


def test_bad_inputs_give_clear_errors(exported: Path) -> None:
    no_adapter = _copy_run(exported, "-noadapter")
    shutil.rmtree(no_adapter / "output")
    shutil.rmtree(no_adapter / "export")
    done = run_cli("eval", "-C", str(exported), no_adapter.name, "engine=transformers")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "no trained adapter" in done.stderr
    done = run_cli("export", "-C", str(exported), no_adapter.name)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "no final adapter" in done.stderr

    corrupt = _copy_run(exported, "-corrupt")
    gguf = corrupt / "export" / "model-Q4_K_M.gguf"
    gguf.write_bytes(gguf.read_bytes()[:4096])
    done = run_cli("eval", "-C", str(exported), corrupt.name, "limit=2")
    assert (
        done.returncode != 0
        and "Traceback (most recent call last)" not in done.stderr.split("Last lines")[0]
    )
    assert "Generation with llama.cpp (model-Q4_K_M.gguf) failed" in done.stderr

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = run_cli("serve", "-C", str(exported), _run(exported).name, f"port={port}")
    assert done.returncode != 0 and "already in use" in done.stderr
    assert "Traceback" not in done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.mark.parametrize(
    ("command", "path", "sig"),
    [
        ("serve", "/v1/models", "SIGTERM"),
        ("serve", "/v1/models", "SIGHUP"),
        ("demo", "/", "SIGTERM"),
    ],
)
def test_a_signal_stops_serve_and_demo_and_what_they_started(
    exported: Path, command: str, path: str, sig: str
) -> None:
    """SIGTERM or SIGHUP to `seshat serve|demo` leaves no llama.cpp server or Gradio app behind."""
    import signal
    import time

    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seshat",
            command,
            "-C",
            str(exported),
            _run(exported).name,
            f"port={port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}{path}"
    deadline = time.monotonic() + 240
    while not _answers(url):
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, f"{command} did not answer"
        time.sleep(0.5)
    proc.send_signal(getattr(signal, sig))
    proc.wait(timeout=60)
    time.sleep(1)
    assert not _answers(url)
    left = subprocess.run(
        ["pgrep", "-f", "--", f"--port {port}"], capture_output=True, text=True, check=False
    ).stdout.split()
    assert left == [], f"left running after {sig}: {left}"


def test_serving_beyond_this_machine_needs_the_printed_key(exported: Path) -> None:
    import time

    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seshat",
            "serve",
            "-C",
            str(exported),
            _run(exported).name,
            "host=0.0.0.0",
            "public=true",
            f"port={port}",
            'access.overrides.network="Test committee, 2026-11-30"',
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        key = ""
        deadline = time.monotonic() + 240
        while not key and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "serve exited"
            if "shown once, not saved" in line:
                key = line.rsplit(" ", 1)[-1].strip()
        url = f"http://127.0.0.1:{port}/v1/models"
        assert not _answers(url)  # 401 without the key
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    for path in exported.rglob("*"):
        if path.is_file() and path.suffix in {".log", ".jsonl", ".json"}:
            assert key not in path.read_text(errors="replace"), path


def test_every_gguf_carries_its_level_and_run(exported: Path, tmp_path: Path) -> None:
    from seshat.gguf_header import read_metadata

    run = _run(exported)
    for gguf in (run / "export").glob("*.gguf"):
        meta = read_metadata(gguf, ("seshat.access_level", "seshat.run_id"))
        assert meta == {"seshat.access_level": "public", "seshat.run_id": run.name}, gguf
    away = tmp_path / "elsewhere" / "model.gguf"
    away.parent.mkdir()
    shutil.copyfile(run / "export" / "model-Q4_K_M.gguf", away)
    done = run_cli("audit", str(away), cwd=away.parent)
    assert done.returncode == 0, done.stderr
    assert "its own metadata" in done.stdout and run.name in done.stdout and "public" in done.stdout
