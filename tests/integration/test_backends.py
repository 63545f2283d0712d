"""Real backend environments: build them (cached by their pins), then run each backend's own
validator on every rendered template x profile x method, and on planted errors.

Marked `integration`: the first run builds Axolotl (~4 GB) and LLaMA-Factory (~2 GB) venvs under
SESHAT_HOME; later runs reuse them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from matrix import matrix, render_case

from seshat.environments import ManagedEnv, find_env
from seshat.trainer_config import run_validator

pytestmark = pytest.mark.integration
BACKENDS = ("axolotl", "llamafactory")


@pytest.fixture(scope="module", params=BACKENDS)
def backend_env(request: pytest.FixtureRequest) -> tuple[str, ManagedEnv]:
    name = request.param
    result = run_cli("backend", "install", name, "--device", "cpu")
    assert result.returncode == 0, result.stdout + result.stderr
    env = find_env(name, "cpu")
    assert env is not None and env.installed
    return name, env


def test_backend_list_shows_env(backend_env: tuple[str, ManagedEnv]) -> None:
    name, _ = backend_env
    listed = run_cli("backend", "list")
    assert name in listed.stdout and "current" in listed.stdout


def test_installed_schema_matches_shipped_snapshot(
    backend_env: tuple[str, ManagedEnv], tmp_path: Path
) -> None:
    """A fresh snapshot of the env (the probe as it is now) equals the shipped one."""
    import subprocess

    from seshat.backends.base import PROBE
    from seshat.backends.registry import get_backend

    name, env = backend_env
    backend = get_backend(name)
    fresh = tmp_path / "schema.json"
    subprocess.run(
        [str(env.python), str(PROBE), "snapshot", str(backend.probe_path()), str(fresh)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    shipped = json.loads(backend.shipped_snapshot_path().read_text())
    assert json.loads(fresh.read_text()) == shipped, "the pinned backend's schema drifted"


def test_backend_validator_accepts_every_render(
    backend_env: tuple[str, ManagedEnv], project: Path
) -> None:
    name, env = backend_env
    by_device: dict[str, list[Path]] = {}
    for backend, recipe, profile, method in matrix():
        if backend != name:
            continue
        where = Path("renders") / f"{recipe}-{profile}-{method}"
        prepared, rendered = render_case(project, backend, recipe, profile, method, where)
        path = rendered.write(project / where)
        by_device.setdefault(prepared.resolved.profile.device, []).append(path)
    assert by_device
    for device, paths in by_device.items():
        results = run_validator(
            env.python,
            name,
            paths,
            device,
            {"HF_HUB_OFFLINE": "1"},
            project / f"validate-{device}.log",
            project,
        )
        failed = {str(p): r["errors"] for p, r in results.items() if not r["ok"]}
        assert not failed, failed


PLANTED = {
    "axolotl": [("lora_r", "ocho"), ("num_epochs", "tres"), ("micro_batch_size", "dos")],
    # LLaMA-Factory itself accepts wrong types (lora_rank: "ocho"): only the strict check catches those.
    "llamafactory": [("lora_rr", 8), ("template", "qwen3_nothinkk")],
}


def test_backend_validator_rejects_planted_errors(
    backend_env: tuple[str, ManagedEnv], project: Path
) -> None:
    name, env = backend_env
    _, rendered = render_case(project, name, "sft", "strix-halo-cpu", "lora")
    rendered.write(project / "base")
    paths = []
    for key, value in PLANTED[name]:
        config = copy.deepcopy(rendered.config)
        config[key] = value
        folder = project / f"planted-{key}"
        folder.mkdir()
        for extra, text in rendered.files.items():
            (folder / extra).write_text(text)
        (folder / "backend.yaml").write_text(yaml.safe_dump(config))
        paths.append(folder / "backend.yaml")
    results = run_validator(env.python, name, paths, "cpu", {}, project / "planted.log", project)
    for (key, _), path in zip(PLANTED[name], paths, strict=True):
        result = results[path.resolve()]
        assert not result["ok"], f"{name} accepted {key}"
        assert any(
            key in error or "ocho" in error or "tres" in error or "dos" in error
            for error in result["errors"]
        ), result


def test_check_command_runs_both_checks(backend_env: tuple[str, ManagedEnv], project: Path) -> None:
    name, _ = backend_env
    result = run_cli(
        "check",
        "-C",
        str(project),
        f"backend={name}",
        "profile=cloud-a100-80b",
        "training.method=qlora",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Strict check passed" in result.stdout and "own validator passed" in result.stdout
