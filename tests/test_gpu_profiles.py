"""GPU profiles as data: Strix Halo's two stacks, the throughput features each trainer renders where
they fit, DeepSpeed ZeRO-3 and the launchers on several GPUs and nodes. (Each render's golden file
and strict check: tests/test_render_golden.py; the trainers' own validators and SkyPilot:
tests/integration/test_gpu_configs.py.)"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml
from matrix import render_case

from seshat.backends.base import DEEPSPEED_FILE, Rendered
from seshat.config.loader import load_project
from seshat.environments import recipe
from seshat.envs.managed import MARKER, planned_env
from seshat.profiles import Profile, load_file, resolve
from seshat.trainer_config import prepare

REQUIREMENTS = Path(__file__).resolve().parents[1] / "seshat" / "backends"
SHIPPED = Path(__file__).resolve().parents[1] / "profiles"


@pytest.fixture(autouse=True)
def _private_home(empty_home: Path) -> None:
    """No trainer env installed, unless a test fakes one."""


def fake_env(backend: str, flavour: str, packages: list[str], device: str | None = None) -> Path:
    """An installed-looking trainer env (marker, freeze.txt, a python that reports a GPU)."""
    env = planned_env(recipe(backend), flavour)
    (env.path / "bin").mkdir(parents=True)
    (env.path / "freeze.txt").write_text("".join(f"{p}==1.0\n" for p in packages))
    info = {"backend": backend, "device": flavour, "key": env.key, "versions": {}}
    (env.path / MARKER).write_text(json.dumps(info))
    python = env.path / "bin" / "python"
    sees = {"hip": "7.2.0" if device == "rocm" else None, "cuda": "12.8", "available": True}
    python.write_text(f"#!/bin/sh\necho '{json.dumps(sees | {'name': 'GPU'})}'\n")
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    return python


# --- Strix Halo: two stacks -------------------------------------------------------------------


def test_strix_halo_native_and_override_stacks_carry_their_own_settings() -> None:
    native = resolve("strix-halo-gfx1151", None).profile
    override = resolve("strix-halo-rocm", None).profile
    assert native.torch_flavour == "rocm-gfx1151" and override.torch_flavour == "rocm"
    assert "HSA_OVERRIDE_GFX_VERSION" not in native.env
    assert override.env["HSA_OVERRIDE_GFX_VERSION"] == "11.5.1"
    for profile in (native, override):
        assert profile.env["TORCH_ROCM_AOTRITON_ENABLE_EXPERIMENTAL"] == "1"
        assert profile.attention == "sdpa" and not profile.speedups.flash_attention
        assert profile.supports_4bit is False and "gfx1151" in (profile.no_4bit_reason or "")
        assert profile.eval_in_training is False
        assert profile.speedups.sample_packing


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_each_stack_installs_torch_from_its_own_index(backend: str) -> None:
    folder = REQUIREMENTS / backend / "requirements"
    native = (folder / f"{backend}-rocm-gfx1151.txt").read_text()
    override = (folder / f"{backend}-rocm.txt").read_text()
    assert "--extra-index-url https://rocm.nightlies.amd.com/v2/gfx1151/" in native
    assert "--extra-index-url https://download.pytorch.org/whl/rocm" in override
    assert "rocm.nightlies" not in override


def test_the_override_is_refused_for_torch_built_for_gfx1151(tmp_path: Path) -> None:
    data = yaml.safe_load((SHIPPED / "strix-halo-gfx1151.yaml").read_text())
    data["env"]["HSA_OVERRIDE_GFX_VERSION"] = "11.5.1"
    with pytest.raises(ValueError, match="breaks torch built for gfx1151"):
        Profile.model_validate(data)
    data = yaml.safe_load((SHIPPED / "strix-halo-rocm.yaml").read_text())
    data["torch_flavour"] = "cuda"
    with pytest.raises(ValueError, match="runs on cuda, not on device rocm"):
        Profile.model_validate(data)


@pytest.mark.parametrize(
    ("flavour", "expected"),
    [("rocm-gfx1151", "strix-halo-gfx1151"), ("rocm", "strix-halo-rocm")],
)
def test_the_alias_picks_the_stack_of_the_env_that_sees_the_gpu(
    monkeypatch: pytest.MonkeyPatch, flavour: str, expected: str
) -> None:
    monkeypatch.delenv("SESHAT_DEVICE", raising=False)
    python = fake_env("axolotl", flavour, [], device="rocm")
    resolved = resolve("strix-halo", None, python)
    assert resolved.profile.name == expected, resolved.reason
    monkeypatch.setenv("SESHAT_DEVICE", "rocm-gfx1151")
    assert resolve("strix-halo", None).profile.name == "strix-halo-gfx1151"


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_strix_halo_measures_dev_loss_outside_the_training_process(
    project: Path, backend: str
) -> None:
    prepared, rendered = render_case(project, backend, "sft", "strix-halo-gfx1151", "lora")
    evaluation = {"test_datasets", "eval_dataset", "eval_strategy", "eval_steps", "evals_per_epoch"}
    assert not evaluation & set(rendered.config)
    assert "measures the dev loss after it" in rendered.yaml_text
    assert prepared.plan.eval_in_training is not None
    assert prepared.plan.eval_in_training.value is False
    assert any("separate pass" in note for note in prepared.plan.notes)


def test_qlora_on_strix_halo_is_refused_with_the_reason(project: Path) -> None:
    from seshat.errors import ConfigError

    with pytest.raises(ConfigError, match="no gfx1151 library") as info:
        prepare(load_project(project, ["profile=strix-halo-gfx1151", "training.method=qlora"]))
    assert "cmake -DCOMPUTE_BACKEND=hip" in str(info.value)


# --- throughput features ----------------------------------------------------------------------


def test_a_cuda_profile_renders_what_each_trainer_recommends(project: Path) -> None:
    prepared, axolotl = render_case(project, "axolotl", "sft", "cloud-a100-80b", "lora")
    config = axolotl.config
    assert config["sample_packing"] is True and config["pad_to_sequence_len"] is True
    assert "axolotl.integrations.liger.LigerPlugin" in config["plugins"]
    assert config["liger_fused_linear_cross_entropy"] is True
    assert all(config[f"lora_{k}_kernel"] for k in ("mlp", "qkv", "o"))
    assert config["sdp_attention"] is True and "flash_attention" not in config
    reason = prepared.plan.speedups["flash_attention"].reason
    assert "flash-attn" in reason and "not installed" in reason
    _, factory = render_case(project, "llamafactory", "sft", "cloud-a100-80b", "qlora")
    config = factory.config
    assert config["packing"] is True and config["neat_packing"] is True
    assert config["enable_liger_kernel"] is True and "use_unsloth" not in config


def test_flash_attention_and_unsloth_follow_what_the_env_has(project: Path) -> None:
    fake_env("axolotl", "cuda", ["axolotl", "flash_attn", "torch"])
    prepared, axolotl = render_case(project, "axolotl", "sft", "cloud-a100-80b", "lora")
    assert axolotl.config["flash_attention"] is True and "sdp_attention" not in axolotl.config
    assert "flash-attn is installed" in prepared.plan.speedups["flash_attention"].reason
    fake_env("llamafactory", "cuda", ["llamafactory", "flash-attn", "unsloth"])
    prepared, factory = render_case(project, "llamafactory", "sft", "cloud-a100-80b", "lora")
    assert factory.config["use_unsloth"] is True
    assert "enable_liger_kernel" not in factory.config  # Unsloth brings its own kernels
    # LLaMA-Factory packs with FlashAttention 2 only one row per micro-batch: SDPA stays
    assert factory.config["flash_attn"] == "sdpa"
    assert "one row per micro-batch" in prepared.plan.speedups["flash_attention"].reason
    _, several = render_case(project, "llamafactory", "sft", "cloud-4xh100", "lora")
    assert "use_unsloth" not in several.config  # not with DeepSpeed ZeRO-3


def test_features_stay_off_where_they_do_not_fit(project: Path) -> None:
    prepared, full = render_case(project, "axolotl", "sft", "cloud-a100-80b", "full")
    assert "lora_mlp_kernel" not in full.config
    assert "LoRA only" in prepared.plan.speedups["lora_kernels"].reason
    loaded = load_project(
        project, ["profile=cloud-a100-80b", "backend=axolotl", "model.base=someone/Mystery-7B"]
    )
    plan = prepare(loaded).plan
    assert not plan.on("liger_kernel") and "unknown" in plan.speedups["liger_kernel"].reason
    cpu = prepare(load_project(project, ["profile=strix-halo-cpu"])).plan
    assert not any(choice.value for choice in cpu.speedups.values())


def test_liger_options_need_the_plugin_listed(project: Path) -> None:
    prepared, rendered = render_case(project, "axolotl", "sft", "cloud-a100-80b", "lora")
    config = dict(rendered.config, plugins=["seshat_axolotl.SeedBeforeAdapter"])
    changed = Rendered(
        rendered.backend,
        rendered.recipe,
        rendered.profile,
        rendered.yaml_text,
        config,
        rendered.files,
        intended_keys=rendered.intended_keys,
    )
    problems = prepared.backend.strict_check(
        changed, prepared.resolved.profile, prepared.backend.snapshot()
    )
    assert any("liger_rope" in str(p) and "LigerPlugin" in str(p) for p in problems), problems


# --- several GPUs and nodes -------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["cloud-4xh100", "cloud-8xa100-80b", "cloud-2x8xh100"])
def test_several_gpus_render_deepspeed_zero3_and_the_trainers_launcher(
    project: Path, profile: str
) -> None:
    gpus = load_file(SHIPPED / f"{profile}.yaml")
    assert isinstance(gpus, Profile) and gpus.sharding == "zero3"
    per_node = str(gpus.num_devices)
    _, axolotl = render_case(project, "axolotl", "sft", profile, "lora")
    zero3 = json.loads(axolotl.files[DEEPSPEED_FILE])
    assert zero3["zero_optimization"]["stage"] == 3
    assert axolotl.config["deepspeed"] == f"runs/golden/{DEEPSPEED_FILE}"
    assert axolotl.argv[-2:] == ["--launcher", "torchrun"]
    assert axolotl.env["PET_NPROC_PER_NODE"] == per_node
    _, factory = render_case(project, "llamafactory", "sft", profile, "qlora")
    assert json.loads(factory.files[DEEPSPEED_FILE]) == zero3  # one template for both
    assert factory.config["deepspeed"] == f"runs/golden/{DEEPSPEED_FILE}"
    assert factory.env["FORCE_TORCHRUN"] == "1" and factory.env["NPROC_PER_NODE"] == per_node
    _, single = render_case(project, "axolotl", "sft", "cloud-a100-80b", "lora")
    assert DEEPSPEED_FILE not in single.files and "deepspeed" not in single.config
    assert single.argv[-1] == "python"


def test_the_effective_batch_counts_every_gpu(project: Path) -> None:
    plan = prepare(load_project(project, ["profile=cloud-2x8xh100"])).plan
    assert "on each of 16 GPUs" in plan.gradient_accumulation_steps.reason


def test_a_two_node_task_tells_each_node_its_rank(project: Path) -> None:
    from seshat.runs.cloud import render_task

    split = project / "data" / "formatted" / "train.jsonl"
    split.parent.mkdir(parents=True, exist_ok=True)
    chat = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
    split.write_text(json.dumps(chat) + "\n")
    agreed = 'access.overrides.cloud_launch="test, 2026-11-30"'
    task = render_task(load_project(project, ["profile=cloud-2x8xh100", agreed]))
    text = task.task.read_text()
    parsed = yaml.safe_load(text)
    assert parsed["num_nodes"] == 2 and parsed["resources"]["accelerators"] == "H100:8"
    assert 'NODE_RANK="$SKYPILOT_NODE_RANK"' in parsed["run"]
    assert 'PET_MASTER_ADDR="$MASTER_ADDR"' in parsed["run"]
    single = render_task(load_project(project, ["profile=cloud-4xh100", agreed]))
    assert "SKYPILOT_NODE_RANK" not in single.task.read_text()


# --- packing in the plan ----------------------------------------------------------------------


def test_packing_fills_rows_best_fit_longest_first() -> None:
    from seshat.plan.data_lengths import DataLengths

    data = DataLengths(6, 46.7, 100, 100, (20, 30, 30, 40, 60, 100))
    assert data.packed_rows(100) == 3  # 100 | 60 + 40 | 30 + 30 + 20
    assert data.per_packed_row(100) == 2.0
    assert data.packed_rows(50) == 5  # cut at 50: 50 | 50 | 40 | 30 + 20 | 30


def test_the_plan_packs_rows_and_keeps_the_effective_batch_in_examples(project: Path) -> None:
    from test_plan_machine import _model_and_data

    _model_and_data(project)
    common = ["model.base=./models/smol", "training.max_steps=100"]
    packed = prepare(load_project(project, ["profile=cloud-a100-80b", *common])).plan
    assert packed.on("sample_packing")
    per_row = packed.data["examples_per_packed_row"]
    assert 1.3 < per_row < 3
    micro, steps = packed.value("micro_batch_size"), packed.value("gradient_accumulation_steps")
    assert micro * steps * per_row >= 16  # the profile's 4 x 4 examples, at least
    assert "packed rows hold" in packed.gradient_accumulation_steps.reason
    assert "packed rows of 160" in packed.time["basis"]
    assert packed.time["tokens_per_step"] == micro * steps * 160
    # the same machine without packing: padded micro-batches, the profile's batch exactly
    profiles = project / "profiles"
    profiles.mkdir()
    text = (SHIPPED / "cloud-a100-80b.yaml").read_text()
    (profiles / "plain-a100.yaml").write_text(
        text.replace("name: cloud-a100-80b", "name: plain-a100").replace(
            "  sample_packing: true\n", ""
        )
    )
    plain = prepare(load_project(project, ["profile=plain-a100", *common])).plan
    assert not plain.on("sample_packing") and "padded tokens" in plain.time["basis"]
    assert plain.value("micro_batch_size") * plain.value("gradient_accumulation_steps") == 16
    assert plain.time["steps_per_epoch"] > packed.time["steps_per_epoch"]
