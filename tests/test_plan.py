"""The memory planner on the cases issue 4 names, and how its plan reaches train and render."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seshat.config.loader import load_project
from seshat.errors import ConfigError
from seshat.plan.make import Plan
from seshat.trainer_config import prepare
from tests.conftest import run_cli


def _plan(project: Path, *overrides: str) -> Plan:
    return prepare(load_project(project, list(overrides))).plan


def _show(plan: Plan) -> str:
    memory = plan.memory or {}
    rows = [
        f"  {r['step']}: micro-batch {r['micro_batch_size']}, {r['estimate_gb']} GB"
        for r in memory.get("tried", [])
    ]
    return f"{plan.model}: {plan.method}, seq {plan.value('sequence_len')}, " + "\n".join(
        ["", *rows]
    )


def test_qwen3_14b_on_strix_halo_fits_in_16_bit(project: Path) -> None:
    plan = _plan(project, "model.base=Qwen/Qwen3-14B", "profile=strix-halo-rocm")
    print(_show(plan))
    assert plan.fits and plan.method == "lora" and not plan.load_in_4bit
    assert plan.value("sequence_len") == 2048
    assert plan.memory and plan.memory["estimate_gb"]["total"] <= plan.memory["budget_gb"]
    effective = plan.value("micro_batch_size") * plan.value("gradient_accumulation_steps")
    assert effective == 16  # the profile's effective batch is kept


def test_qwen3_32b_on_strix_halo_needs_checkpointing(project: Path) -> None:
    plan = _plan(project, "model.base=Qwen/Qwen3-32B", "profile=strix-halo-rocm")
    print(_show(plan))
    assert plan.fits and plan.method == "lora"
    assert plan.value("gradient_checkpointing") is True
    assert "does not fit without it" in plan.gradient_checkpointing.reason
    assert plan.memory and not plan.memory["tried"][0]["fits"]  # checkpointing off was too big


@pytest.mark.parametrize("profile", ["cloud-a100-80b"])
def test_qwen3_next_80b_goes_4_bit_and_leaves_the_experts_alone(
    project: Path, profile: str
) -> None:
    plan = _plan(project, "model.base=Qwen/Qwen3-Next-80B-A3B", f"profile={profile}")
    print(_show(plan))
    assert plan.fits and plan.method == "qlora" and plan.load_in_4bit
    assert "QLoRA" in " ".join(plan.notes)
    targets = plan.value("lora_target_modules")
    assert "q_proj" in targets and "shared_expert.up_proj" in targets
    assert "gate_proj" not in targets  # the 512 routed experts' projections
    assert "512 experts" in plan.lora_target_modules.reason


@pytest.mark.parametrize("profile", ["cloud-4xh100", "cloud-8xa100-80b", "cloud-2x8xh100"])
def test_qwen3_next_80b_lora_in_16_bit_shards_over_several_gpus(
    project: Path, profile: str
) -> None:
    plan = _plan(project, "model.base=Qwen/Qwen3-Next-80B-A3B", f"profile={profile}")
    print(_show(plan))
    assert plan.fits and plan.method == "lora" and not plan.load_in_4bit
    memory = plan.memory or {}
    assert memory["shards"] >= 4
    # 80 B parameters in bf16 (160 GB) do not fit one 80 GB GPU; a share of them does
    assert memory["estimate_gb"]["weights"] < 160 / memory["shards"] + 10
    assert "ZeRO-3" in plan.micro_batch_size.reason


@pytest.mark.parametrize("profile", ["strix-halo-rocm", "strix-halo-gfx1151"])
def test_80b_on_strix_halo_needs_4_bit_which_is_refused(project: Path, profile: str) -> None:
    plan = _plan(project, "model.base=Qwen/Qwen3-Next-80B-A3B", f"profile={profile}")
    assert plan.fits is False and plan.method == "lora"
    assert "cloud-4xh100" in plan.memory["verdict"]
    with pytest.raises(ConfigError, match="no gfx1151 library"):
        _plan(project, f"profile={profile}", "training.method=qlora")


def test_80b_on_the_cpu_does_not_fit_and_train_refuses(project: Path) -> None:
    plan = _plan(project, "model.base=Qwen/Qwen3-Next-80B-A3B", "profile=strix-halo-cpu")
    assert plan.fits is False
    assert "cloud-a100-80b" in plan.memory["verdict"]
    result = run_cli(
        "train", "-C", str(project), "model.base=Qwen/Qwen3-Next-80B-A3B", "profile=strix-halo-cpu"
    )
    assert result.returncode != 0
    assert "Does not fit" in result.stderr and "--ignore-memory-plan" in result.stderr


def test_an_explicit_method_is_never_changed(project: Path) -> None:
    plan = _plan(
        project,
        "model.base=Qwen/Qwen3-Next-80B-A3B",
        "profile=strix-halo-rocm",
        "training.method=lora",
    )
    assert plan.method == "lora" and plan.fits is False


def test_explicit_values_are_kept_and_checked(project: Path) -> None:
    plan = _plan(
        project,
        "model.base=Qwen/Qwen3-8B",
        "profile=cloud-a100-80b",
        "training.micro_batch_size=3",
        "training.sequence_len=1024",
    )
    assert plan.value("micro_batch_size") == 3 and plan.value("sequence_len") == 1024
    assert plan.micro_batch_size.reason.startswith("set in seshat.yaml")
    assert plan.fits


def test_unknown_model_falls_back_to_profile_defaults(project: Path) -> None:
    plan = _plan(project, "model.base=someone/Mystery-7B", "profile=strix-halo-rocm")
    assert plan.memory is None and plan.fits is None
    assert plan.value("micro_batch_size") == 2  # the profile's default
    assert any("Memory not checked" in note for note in plan.notes)


def test_local_config_json_wins_over_the_catalogue(project: Path) -> None:
    model = project / "models" / "Qwen3-14B"
    model.mkdir(parents=True)
    config = {
        "model_type": "qwen3",
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "vocab_size": 1000,
        "tie_word_embeddings": True,
    }
    (model / "config.json").write_text(json.dumps(config))
    plan = _plan(project, "model.base=./models/Qwen3-14B", "profile=strix-halo-cpu")
    assert plan.model_origin.startswith("read from") and plan.memory
    assert plan.memory["estimate_gb"]["weights"] < 0.01


def test_plan_command_prints_the_explanation(project: Path) -> None:
    result = run_cli(
        "plan", "-C", str(project), "model.base=Qwen/Qwen3-32B", "profile=strix-halo-rocm"
    )
    assert result.returncode == 0, result.stderr
    assert "What the planner tried" in result.stdout and "Peak memory estimate" in result.stdout
    as_json = run_cli("plan", "-C", str(project), "--json", "profile=strix-halo-rocm")
    assert json.loads(as_json.stdout)["memory"]["fits"] is True


def test_qlora_on_a_profile_without_4_bit_is_refused(project: Path) -> None:
    with pytest.raises(ConfigError, match="no 4-bit support"):
        _plan(project, "profile=strix-halo-cpu", "training.method=qlora")
