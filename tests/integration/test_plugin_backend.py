"""A third trainer from one folder (tests/fake_trainer), registered as every trainer is (an entry
point of `seshat.backends`): Seshat installs its venv, renders, checks and trains it, and knows it
nowhere else. Marked integration because it builds a (tiny) venv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_cli

FAKE = REPO / "tests" / "fake_trainer"


def register(site: Path) -> dict[str, str]:
    """What `pip install tests/fake_trainer` leaves: the package importable, its entry point listed."""
    info = site / "seshat_fake_trainer-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: seshat-fake-trainer\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[seshat.backends]\nfaketrainer = seshat_fake_trainer.backend:FakeTrainer\n"
    )
    path = os.pathsep.join([str(site), str(FAKE), os.environ.get("PYTHONPATH", "")])
    return {"PYTHONPATH": path.rstrip(os.pathsep)}


@pytest.fixture
def fake(tmp_path: Path, empty_home: Path) -> tuple[Path, dict[str, str]]:
    env = register(tmp_path / "site")
    folder = tmp_path / "proj"
    done = run_cli(
        "init",
        str(folder),
        "--language",
        "Toy",
        "--code",
        "toy",
        "--backend",
        "faketrainer",
        "--model",
        "Qwen/Qwen3-0.6B",
        "--profile",
        "strix-halo-cpu",
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    subprocess.run(
        [
            sys.executable,
            str(REPO / "tests" / "fixtures" / "make_chat_data.py"),
            str(folder / "data" / "formatted"),
        ],
        check=True,
    )
    return folder, env


def test_the_plugin_is_installed_rendered_checked_and_trained(
    fake: tuple[Path, dict[str, str]],
) -> None:
    folder, env = fake
    assert "backend: faketrainer" in (folder / "seshat.yaml").read_text()
    installed = run_cli("backend", "install", "faketrainer", env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = run_cli("backend", "list", env=env)
    assert "faketrainer" in listed.stdout

    rendered = run_cli("render", "-C", str(folder), "training.max_steps=3", env=env)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    config = next((folder / ".seshat" / "render").glob("faketrainer-*/backend.yaml")).read_text()
    assert 'base_model: "Qwen/Qwen3-0.6B"' in config and 'chat_template: "fake-qwen3"' in config

    checked = run_cli("check", "-C", str(folder), "training.max_steps=3", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    refused = run_cli("check", "-C", str(folder), "training.lora.rank=0", env=env)
    assert refused.returncode != 0  # the strict check (schema) or the plug-in's own validator

    trained = run_cli("train", "-C", str(folder), "training.max_steps=3", env=env)
    assert trained.returncode == 0, trained.stdout + trained.stderr
    run = next(p for p in (folder / "runs").iterdir() if (p / "status.json").is_file())
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "succeeded"
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3] and rows[0]["loss"] == 3.0
    assert (run / "output" / "adapter_config.json").is_file()


def test_an_unregistered_trainer_is_refused_with_the_known_ones(project: Path) -> None:
    done = run_cli("render", "-C", str(project), "backend=faketrainer")
    assert done.returncode == 1
    assert "'axolotl' or 'llamafactory'" in done.stderr and "Traceback" not in done.stderr
