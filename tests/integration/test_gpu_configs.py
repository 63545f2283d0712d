"""The GPU renders through the trainers' own validators and SkyPilot's, offline, on a CPU.

The CPU trainer envs carry no DeepSpeed (and LLaMA-Factory's no Liger): the packages the CUDA
requirement files add are installed on the side (``pip install --target``, no dependencies but
DeepSpeed's four small ones, ~10 s, cached under SESHAT_HOME) and put on the validator's path, so
that LLaMA-Factory's ``get_train_args`` checks ``deepspeed`` (in a one-process torchrun world, as
FORCE_TORCHRUN runs it) and ``enable_liger_kernel`` for real. Axolotl's validator needs no
DeepSpeed to check ``deepspeed:``, and its env has Liger (its plugin is registered and its options
validated). Unsloth and flash-attn do not work on a CPU (no GPU to import them with):
``use_unsloth`` is checked against the schema snapshot only, and the validator's note says so;
``flash_attention`` / ``flash_attn: fa2`` are plain options both validators check without the
package (they load it only when the model is built).
"""

from __future__ import annotations

import copy
import hashlib
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from matrix import matrix, render_case

from seshat.environments import ManagedEnv, find_env, install
from seshat.paths import seshat_home
from seshat.trainer_config import run_validator

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
# DeepSpeed 0.19.8's dependencies that the CPU envs lack (the rest, torch included, are there)
DEEPSPEED_DEPS = ("hjson==3.1.0", "py-cpuinfo==9.0.0", "ninja==1.13.2", "msgpack==1.2.4")


def gpu_extras(backend: str) -> list[str]:
    """What the CUDA requirement file pins besides the trainer and torch (DeepSpeed, Liger)."""
    text = (
        REPO / "seshat" / "backends" / backend / "requirements" / f"{backend}-cuda.txt"
    ).read_text()
    pins = [line.strip() for line in text.splitlines() if "==" in line and not line.startswith("#")]
    return [p for p in pins if not p.startswith(("torch==", f"{backend}=="))]


def side_install(env: ManagedEnv, packages: list[str]) -> Path:
    """``packages`` installed beside ``env`` (not into it), cached by their pins."""
    key = hashlib.sha256("\n".join([env.key, *packages]).encode()).hexdigest()[:12]
    target = seshat_home() / "validation-extras" / f"{env.name}-{key}"
    if (target / ".done").is_file():
        return target
    build = target.with_name(target.name + "-build")  # `wheel` for DeepSpeed's setup.py
    pip = [str(env.python), "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*pip, "--target", str(build), "wheel"], check=True, timeout=600)
    subprocess.run(
        [*pip, "--no-build-isolation", "--target", str(target), *packages],
        check=True,
        timeout=1200,
        env=os.environ | {"PYTHONPATH": str(build), "DS_BUILD_OPS": "0"},
    )
    (target / ".done").write_text("\n".join(packages) + "\n")
    return target


@pytest.fixture(scope="module", params=["axolotl", "llamafactory"])
def validator(request: pytest.FixtureRequest) -> tuple[str, ManagedEnv, dict[str, str]]:
    name = request.param
    env, _ = install(name, "cpu")
    extras = gpu_extras(name)
    side = {}
    if name == "llamafactory":  # Axolotl's validator checks these options without the packages
        side = {"PYTHONPATH": str(side_install(env, [*extras, *DEEPSPEED_DEPS]))}
    return name, env, side


def test_cuda_requirements_add_deepspeed_and_liger() -> None:
    assert gpu_extras("axolotl") == ["deepspeed==0.19.8"]  # Liger is in Axolotl's own pins
    assert gpu_extras("llamafactory") == ["deepspeed==0.19.8", "liger-kernel==0.8.1"]


def test_every_gpu_render_passes_the_trainers_own_validator(
    validator: tuple[str, ManagedEnv, dict[str, str]], project: Path
) -> None:
    name, env, side = validator
    by_device: dict[str, list[Path]] = {}
    for backend, recipe, profile, method in matrix():
        if backend != name:
            continue
        where = Path("renders") / f"{recipe}-{profile}-{method}"
        prepared, rendered = render_case(project, backend, recipe, profile, method, where)
        if prepared.resolved.profile.device == "cpu":
            continue
        by_device.setdefault(prepared.resolved.profile.device, []).append(
            rendered.write(project / where)
        )
    assert set(by_device) == {"rocm", "cuda"}
    for device, paths in by_device.items():
        results = run_validator(
            env.python,
            name,
            paths,
            device,
            {"HF_HUB_OFFLINE": "1"} | side,
            project / f"validate-{device}.log",
            project,
        )
        failed = {str(p): r["errors"] for p, r in results.items() if not r["ok"]}
        assert not failed, failed
        # nothing was left to the snapshot: DeepSpeed and Liger were checked by the trainer
        skipped = {str(p): r["notes"] for p, r in results.items() if "snapshot only" in str(r)}
        assert not skipped, skipped
    zero3 = [p for p in by_device["cuda"] if "deepspeed" in yaml.safe_load(p.read_text())]
    assert len(zero3) == 9  # three multi-GPU profiles x three methods


@pytest.mark.parametrize("validator", ["llamafactory"], indirect=True)  # use_unsloth is its own
def test_unsloth_is_checked_against_the_snapshot_only(
    validator: tuple[str, ManagedEnv, dict[str, str]], project: Path
) -> None:
    name, env, side = validator
    where = Path("renders") / "unsloth"
    _, rendered = render_case(project, name, "sft", "cloud-a100-80b", "lora", where)
    rendered.write(project / where)
    config = copy.deepcopy(rendered.config) | {"use_unsloth": True}
    path = project / where / "backend.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_validator(
        env.python, name, [path], "cuda", side, project / "unsloth.log", project
    )[path.resolve()]
    assert result["ok"], result
    assert any("use_unsloth" in n and "schema snapshot only" in n for n in result["notes"])


def test_cloud_tasks_pass_skypilots_own_check(project: Path) -> None:
    import json

    from seshat.config.loader import load_project
    from seshat.runs.cloud import render_task, validate_task

    install("skypilot", "cpu")
    sky = find_env("skypilot", "cpu")
    split = project / "data" / "formatted" / "train.jsonl"
    split.parent.mkdir(parents=True, exist_ok=True)
    chat = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
    split.write_text(json.dumps(chat) + "\n")
    agreed = 'access.overrides.cloud_launch="test, 2026-11-30"'
    for profile in ("cloud-a100-80b", "cloud-4xh100", "cloud-8xa100-80b", "cloud-2x8xh100"):
        task = render_task(load_project(project, [f"profile={profile}", agreed]))
        validate_task(task.task, sky)  # raises with SkyPilot's message
        assert yaml.safe_load(task.task.read_text())["num_nodes"] == (
            2 if profile == "cloud-2x8xh100" else 1
        )


def test_flash_attention_configs_pass_without_flash_attn(
    validator: tuple[str, ManagedEnv, dict[str, str]], project: Path
) -> None:
    """FlashAttention 2 is rendered only where flash-attn is in the GPU env (tests/test_gpu_profiles.py
    fakes one). Neither validator loads it (the trainers load it with the model): the options are
    checked, the package is not, on a CPU."""
    name, env, side = validator
    where = Path("renders") / "fa2"
    _, rendered = render_case(project, name, "sft", "cloud-4xh100", "lora", where)
    rendered.write(project / where)
    config = copy.deepcopy(rendered.config)
    if name == "axolotl":
        config.pop("sdp_attention")
        config["flash_attention"] = True
    else:
        config["flash_attn"] = "fa2"
    path = project / where / "backend.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_validator(env.python, name, [path], "cuda", side, project / "fa2.log", project)
    assert result[path.resolve()]["ok"], result
