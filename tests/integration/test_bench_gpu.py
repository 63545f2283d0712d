"""bench/gpu.py for real on a CPU: the smoke run (tiny Qwen3, LLaMA-Factory, both configs trained
through the trainer's own CLI, about two steps each) and a dry run of the GPU profile (both
configs rendered and planned, nothing trained). Its GPU figures come from a GPU machine only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from seshat.environments import install

pytestmark = pytest.mark.integration
SCRIPT = REPO / "bench" / "gpu.py"


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    install("llamafactory", "cpu")
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=1800
    )


def test_the_smoke_run_trains_both_configs_and_prints_the_table(tmp_path: Path) -> None:
    done = _bench("--smoke", "--out", str(tmp_path / "smoke"))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "smoke" / "results.json").read_text())
    assert set(report["results"]) == {"rendered", "plain"}
    for result in report["results"].values():
        assert result["device"] == "cpu" and result["global_step"] >= 1
        assert result["train_runtime"] > 0 and result["max_rss_gb"] > 0
    assert report["manifest"]["variants"]["rendered"]["speedups"] == ["sample_packing"]
    assert report["tokens"]["tokens"] > 0
    assert "tokens / s" in done.stdout and "not judged: a CPU smoke run" in done.stdout


def test_the_dry_run_renders_both_gpu_configs(tmp_path: Path) -> None:
    folder = tmp_path / "gpu"
    done = _bench("--dry-run", "--out", str(folder), "--steps", "100")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not run (--dry-run)" in done.stdout
    manifest = json.loads((folder / "bench.json").read_text())
    rendered, plain = manifest["variants"]["rendered"], manifest["variants"]["plain"]
    assert rendered["profile"] == "cloud-a100-80b" and plain["profile"] == "cloud-a100-80b-plain"
    assert {"sample_packing", "liger_kernel"} <= set(rendered["speedups"]) and not plain["speedups"]
    assert rendered["planned_steps"] == 100 and rendered["estimate_gb"] > 0
    config = yaml.safe_load((folder / "project" / rendered["config"]).read_text())
    assert config["packing"] is True and config["enable_liger_kernel"] is True
    assert "packing" not in yaml.safe_load((folder / "project" / plain["config"]).read_text())
    # what the GPU machine needs travels in the folder; the weights are made there
    assert (folder / "gpu.py").is_file() and (folder / "gpu_trainer.py").is_file()
    model = folder / "project" / "models" / "qwen3"
    assert json.loads((model / "config.json").read_text())["hidden_size"] == 1024
    assert (model / "tokenizer.json").is_file() and not list(model.glob("*.safetensors"))
