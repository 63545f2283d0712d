"""Canaries planted in restricted and sacred sources, run through format -> train -> eval -> report
-> export -> launch rendering -> W&B (offline) with secrets set to canaries too: no canary may be
found outside the places the policy allows, and no secret anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from canary import CANARIES, leaks, write_canary_project
from conftest import REPO, TINY, make_tiny_qwen, run_cli

from seshat.environments import install

pytestmark = pytest.mark.integration
FIXTURES = REPO / "tests" / "fixtures"
SECRETS = {"HF_TOKEN": "hf_qzxsecretcanary1", "WANDB_API_KEY": "qzxsecretcanary2wandbkey0000000"}
# where data may lie under the default policy: on this machine, in the data and the local run files
ALLOWED = ("data/*", "runs/*/logs/*", "runs/*/eval/*", "runs/*/output/*", "runs/*/report.html")
EXPORT_OVERRIDE = 'access.overrides.model_export="Kaniwa committee, test 2026-11-24"'
CLOUD_OVERRIDE = 'access.overrides.cloud_launch="Kaniwa committee, test 2026-11-24"'


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    backend, _ = install("axolotl", "cpu")
    install("llamacpp", "cpu")
    install("skypilot", "cpu")
    folder = write_canary_project(
        tmp_path_factory.mktemp("canary") / "proj", model="./models/tiny", profile="strix-halo-cpu"
    )
    make_tiny_qwen(backend.python, folder / "models" / "tiny")
    return folder


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=SECRETS)


def test_no_canary_or_secret_leaves_its_place(project: Path, tmp_path: Path) -> None:
    steps = {}
    steps["data"] = cli("data", "run", "-C", str(project))
    steps["train"] = cli(
        "train", "-C", str(project), "training.max_steps=2", "training.save_steps=2", *TINY
    )
    steps["eval"] = cli(
        "eval", "-C", str(project), "engine=transformers", "limit=8", "bootstrap=20"
    )
    steps["report"] = cli("report", "-C", str(project))
    steps["shared report"] = cli(
        "report", "-C", str(project), "share=true", f"out={project / 'shared.html'}"
    )
    for name, done in steps.items():
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"

    # the model carries the most closed level of its training data: sacred
    refused = cli("export", "-C", str(project), "verify=false", "dev_limit=0")
    assert refused.returncode == 1
    assert "model_export" in refused.stderr and "ceremony-words" in refused.stderr
    assert "access.overrides.model_export" in refused.stderr
    exported = cli(
        "export", "-C", str(project), "verify=false", "dev_limit=0", "quant=Q8_0", EXPORT_OVERRIDE
    )
    assert exported.returncode == 0, exported.stdout + exported.stderr
    served = cli("serve", "-C", str(project))  # served_api allows up to restricted
    assert served.returncode == 1 and "served_api" in served.stderr

    # a restricted dataset is not launched to a cloud profile...
    cloud = cli("launch", "-C", str(project), "--dry-run", "profile=cloud-a100-80b")
    assert cloud.returncode == 1
    assert "cloud_launch" in cloud.stderr and "healer-recordings" in cloud.stderr
    # ...unless an explicit override says who agreed; the task is still validated by SkyPilot
    cloud = cli("launch", "-C", str(project), "--dry-run", "profile=cloud-a100-80b", CLOUD_OVERRIDE)
    assert cloud.returncode == 0, cloud.stdout + cloud.stderr
    published = tmp_path / "published"
    assert cli("data", "export", str(published), "-C", str(project)).returncode == 0

    run = next(p for p in (project / "runs").iterdir() if (p / "status.json").is_file())
    assert list((run / "wandb").glob("offline-run-*")), "the run has an offline W&B record"
    found = leaks(project, CANARIES, ALLOWED) + leaks(published, CANARIES)
    assert found == [], "canaries outside the allowed places:\n" + "\n".join(found)
    secrets = leaks(project, tuple(SECRETS.values())) + leaks(published, tuple(SECRETS.values()))
    assert secrets == [], "secrets written to files:\n" + "\n".join(secrets)
    # the canaries did reach the places where the policy lets data be (the test can see them)
    assert leaks(run / "eval", CANARIES) and leaks(project / "data" / "formatted", CANARIES)
    mounts = json.loads(next((project / ".seshat" / "launch").glob("*/mounts.json")).read_text())
    assert any(remote.endswith("train.meta.jsonl") for remote in mounts)

    audit = cli("audit", "-C", str(project), run.name, "--json")
    assert audit.returncode == 0, audit.stderr
    found = json.loads(audit.stdout)
    assert found["model_level"] == "sacred" and "ceremony-words" in found["sources"]
    destinations = {(d["destination"], d["allowed"]) for d in found["went"]["decisions"]}
    assert ("model_export", False) in destinations and ("model_export", True) in destinations
    assert ("wandb_samples", "partly") in destinations and not found["went"]["wandb"]["logs_sent"]
    copied = tmp_path / "copy.gguf"
    copied.write_bytes(next((run / "export").glob("*.gguf")).read_bytes())
    traced = cli("audit", "-C", str(project), str(copied), "--json")
    assert json.loads(traced.stdout)["run"] == run.name
    card = (run / "export" / "README.md").read_text()
    assert "Access level: sacred" in card and "ceremony-words" in card
    status = json.loads((run / "status.json").read_text())
    assert status["access"] == "sacred"
    inputs = json.loads((run / "inputs.json").read_text())
    assert set(inputs["data"]) == {"train", "dev", "test"}
    assert "model.safetensors" in inputs["base_model"]["files"]
    assert sys.executable  # the suite's Python ran every step
