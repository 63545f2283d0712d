"""Real training runs of a tiny random Qwen3 (tokenizer trained on the fly) through each backend,
on the CPU: run directory, metrics, status, Ctrl-C, and a failing backend's diagnosis."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, SESHAT, run_cli

from seshat.backends.envs import install

pytestmark = pytest.mark.integration
FIXTURES = REPO / "tests" / "fixtures"
TINY = [
    "training.lora.rank=8",
    "training.lora.alpha=16",
    "training.sequence_len=128",
    "training.micro_batch_size=2",
    "training.gradient_accumulation_steps=1",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env, _ = install("axolotl", "cpu")
    out = tmp_path_factory.mktemp("tiny") / "qwen3-tiny"
    subprocess.run(
        [str(env.python), str(FIXTURES / "make_tiny_model.py"), str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert (out / "config.json").is_file() and (out / "tokenizer.json").is_file()
    return out


@pytest.fixture
def train_project(tmp_path: Path, tiny_model: Path) -> Path:
    from seshat.scaffold import scaffold

    folder = tmp_path / "proj"
    scaffold(folder, name="Toy", code="toy", model="./models/tiny", profile="strix-halo-cpu")
    shutil.copytree(tiny_model, folder / "models" / "tiny")
    subprocess.run(
        [sys.executable, str(FIXTURES / "make_chat_data.py"), str(folder / "data" / "formatted")],
        check=True,
    )
    return folder


def _only_run(project: Path) -> Path:
    runs = [p for p in (project / "runs").iterdir() if (p / "status.json").is_file()]
    assert len(runs) == 1, runs
    return runs[0]


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_tiny_training_run(train_project: Path, backend: str) -> None:
    install(backend, "cpu")
    result = run_cli(
        "train",
        "-C",
        str(train_project),
        f"backend={backend}",
        "training.max_steps=4",
        "training.save_steps=2",
        "training.eval_steps=2",
        *TINY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    run = _only_run(train_project)
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "succeeded" and status["exit_code"] == 0
    assert status["last_checkpoint"] == "output/checkpoint-4"
    assert (run / "output" / "adapter_model.safetensors").is_file()
    assert (run / "output" / "adapter_config.json").is_file()
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    train_rows = [r for r in rows if "loss" in r]
    assert [r["step"] for r in train_rows] == [1, 2, 3, 4]
    assert all(math.isfinite(r["loss"]) for r in train_rows)
    assert any("eval_loss" in r for r in rows)
    for name in (
        "spec.yaml",
        "backend.yaml",
        "plan.json",
        "data.json",
        "env.txt",
        "logs/stdout.log",
        "logs/stderr.log",
    ):
        assert (run / name).is_file(), name
    data = json.loads((run / "data.json").read_text())
    assert data["train"]["records"] == 48 and len(data["train"]["sha256"]) == 64
    assert backend in (run / "env.txt").read_text()


def _alive_with(marker: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(f"{proc.name}: {cmdline[:120]}")
    return found


def test_ctrl_c_stops_the_whole_run(train_project: Path, tmp_path: Path) -> None:
    install("llamafactory", "cpu")
    log = tmp_path / "seshat-output.txt"
    argv = [
        *SESHAT,
        "train",
        "-C",
        str(train_project),
        "backend=llamafactory",
        "training.max_steps=100000",
        "training.save_steps=1",
        *TINY,
    ]
    with open(log, "w") as output:  # a file, not a pipe: an unread full pipe would stall the run
        proc = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ))
        deadline = time.monotonic() + 300
        run = None
        while time.monotonic() < deadline:
            runs = list((train_project / "runs").glob("*/metrics.jsonl"))
            if runs and runs[0].stat().st_size > 0:
                run = runs[0].parent
                break
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        assert run is not None, "training never logged a step"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    assert proc.returncode == 130, log.read_text()
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "interrupted"
    assert status["last_checkpoint"] is not None
    assert _alive_with(run.name) == []


def test_failing_backend_gets_a_diagnosis(train_project: Path) -> None:
    install("axolotl", "cpu")
    bad = train_project / "data" / "formatted" / "train.jsonl"
    bad.write_text('{"conversation": "no messages here"}\n' * 8)
    result = run_cli("train", "-C", str(train_project), "training.max_steps=2", *TINY)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr.split("Last lines of its output")[0]
    assert "failed: axolotl exited with code" in result.stderr
    assert "Next:" in result.stderr
    status = json.loads((_only_run(train_project) / "status.json").read_text())
    assert status["state"] == "failed" and status["exit_code"] != 0


def test_missing_data_is_refused_before_launch(train_project: Path) -> None:
    result = run_cli("train", "-C", str(train_project), "data.train=data/formatted/nope.jsonl")
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "seshat data format" in result.stderr
    assert not (train_project / "runs").exists() or not any((train_project / "runs").iterdir())
