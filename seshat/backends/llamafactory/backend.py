"""LLaMA-Factory: render, check, run (``llamafactory-cli train CONFIG``), follow and merge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from seshat.backends.base import Backend, Rendered
from seshat.backends.llamafactory.metrics import TrainerLogTail
from seshat.backends.metrics import MetricsReader
from seshat.backends.schema import Problem, Snapshot
from seshat.config.loader import LoadedProject
from seshat.profiles import Profile

DATASET_INFO = "dataset_info.json"
# what a dev-loss pass leaves out of the run's config (it trains nothing and reads no train split)
_TRAINING_ONLY = {
    "dataset",
    "do_train",
    "eval_strategy",
    "eval_steps",
    "eval_on_start",
    "resume_from_checkpoint",
    "adapter_name_or_path",
    "max_steps",
    "save_steps",
    "save_total_limit",
}

# What LLaMA-Factory's dataset parser reads from one dataset_info.json entry (0.9.5).
_ENTRY_KEYS = {
    "file_name",
    "formatting",
    "ranking",
    "subset",
    "split",
    "folder",
    "num_samples",
    "columns",
    "tags",
    "hf_hub_url",
    "ms_hub_url",
    "om_hub_url",
    "script_url",
    "cloud_file_name",
    "load_from",
}
_COLUMN_KEYS = {
    "prompt",
    "query",
    "response",
    "history",
    "messages",
    "system",
    "tools",
    "images",
    "videos",
    "audios",
    "chosen",
    "rejected",
    "kto_tag",
}
_TAG_KEYS = {
    "role_tag",
    "content_tag",
    "user_tag",
    "assistant_tag",
    "observation_tag",
    "function_tag",
    "system_tag",
}


class LlamaFactory(Backend):
    """The LLaMA-Factory backend (pinned 0.9.5)."""

    name: ClassVar[str] = "llamafactory"
    purpose: ClassVar[str] = "LLaMA-Factory 0.9.5: `llamafactory-cli train backend.yaml`"
    speedups: ClassVar[frozenset[str]] = frozenset(
        {"sample_packing", "liger_kernel", "flash_attention", "unsloth"}
    )
    speedup_excludes: ClassVar[dict[str, tuple[str, str]]] = {
        "flash_attention": (
            "sample_packing",
            "LLaMA-Factory 0.9.5 packs with FlashAttention 2 only one row per micro-batch (its "
            "collator asserts it); SDPA with the block-diagonal mask keeps the planned micro-batch",
        )
    }
    # Qwen3: 'qwen3_nothink', because 'qwen3' puts empty <think> blocks into the training labels
    chat_templates: ClassVar[dict[str, str]] = {
        "qwen3": "qwen3_nothink",
        "qwen2": "qwen",
        "llama3": "llama3",
        "gemma3": "gemma3",
        "chatml": "chatml",
    }
    extra_templates: ClassVar[dict[str, str]] = {DATASET_INFO: "dataset_info.json.j2"}

    def after_install(self, env_dir: Path) -> None:
        """Remove torchaudio's compiled libraries.

        ``mm_plugin.py`` imports torchaudio at module level, text training never uses it, and the
        pinned torchaudio's libraries do not load beside the pinned torch.
        """
        for lib in env_dir.glob("lib/python*/site-packages/torchaudio/**/*.so"):
            lib.unlink()

    def metrics_reader(
        self, output_dir: Path, logging_steps: int, first_step: int
    ) -> MetricsReader:
        """LLaMA-Factory's ``trainer_log.jsonl``, from its current end (a resumed run appends)."""
        tail = TrainerLogTail(output_dir / "trainer_log.jsonl")
        if tail.path.is_file():
            tail.offset = tail.path.stat().st_size
        return tail

    def train_argv(self, config_name: str, profile: Profile) -> list[str]:
        """``llamafactory-cli train``; multi-device runs set FORCE_TORCHRUN in the env."""
        return ["llamafactory-cli", "train", config_name]

    def merge_command(
        self, trained: dict[str, Any], run_dir: Path, adapter_dir: Path, work_dir: Path
    ) -> tuple[list[str], dict[str, str]]:
        """``llamafactory-cli export`` with a config built from the run's own model settings."""
        import yaml

        export = {
            key: trained[key]
            for key in ("model_name_or_path", "model_revision", "trust_remote_code", "template")
            if key in trained
        } | {
            "adapter_name_or_path": adapter_dir.as_posix(),
            "finetuning_type": "lora",
            "export_dir": (work_dir / "merged").as_posix(),
            "export_size": 5,
            "export_device": "cpu",
            "export_legacy_format": False,
        }
        config = work_dir / "export.yaml"
        return ["llamafactory-cli", "export", config.as_posix()], {
            config.as_posix(): yaml.safe_dump(export, sort_keys=False)
        }

    def dev_loss_command(
        self,
        trained: dict[str, Any],
        run_dir: Path,
        model_dir: Path,
        adapter: bool,
        dev: Path,
        work_dir: Path,
    ) -> tuple[list[str], dict[str, str]]:
        """``llamafactory-cli train`` with ``do_train: false, do_eval: true`` on the dev split.

        The run's own config (model, template, precision, packing) with the final adapter (or
        the full model) loaded, the training split left out: ``eval_results.json`` in ``work_dir``.
        """
        import yaml

        config = {k: v for k, v in trained.items() if k not in _TRAINING_ONLY}
        config |= {
            "do_train": False,
            "do_eval": True,
            "eval_dataset": "seshat_dev",
            "per_device_eval_batch_size": trained.get("per_device_train_batch_size", 1),
            "output_dir": work_dir.as_posix(),
        }
        if adapter:
            config["adapter_name_or_path"] = model_dir.as_posix()
        else:
            config["model_name_or_path"] = model_dir.as_posix()
        path = work_dir / "dev-loss.yaml"
        return ["llamafactory-cli", "train", path.as_posix()], {
            path.as_posix(): yaml.safe_dump(config, sort_keys=False)
        }

    def read_dev_loss(self, work_dir: Path) -> float | None:
        """``eval_loss`` of ``eval_results.json``."""
        try:
            return float(json.loads((work_dir / "eval_results.json").read_text())["eval_loss"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def run_env(self, project: LoadedProject, profile: Profile) -> dict[str, str]:
        """No version check at start; several GPUs: its own torchrun launcher (FORCE_TORCHRUN).

        NPROC_PER_NODE is the profile's GPUs per node; NNODES, NODE_RANK and MASTER_ADDR come
        from the SkyPilot task on multi-node profiles.
        """
        env = super().run_env(project, profile) | {"DISABLE_VERSION_CHECK": "1"}
        if profile.world_size > 1:
            env["FORCE_TORCHRUN"] = "1"
            env["NPROC_PER_NODE"] = str(profile.num_devices)
        return env

    def strict_check(
        self, rendered: Rendered, profile: Profile, snapshot: Snapshot
    ) -> list[Problem]:
        """Schema + rules for the YAML, and the dataset_info.json entries."""
        problems = super().strict_check(rendered, profile, snapshot)
        text = rendered.files.get(DATASET_INFO)
        if text is not None:
            problems += check_dataset_info(text, rendered.config)
        return problems

    def rules(self, config: dict[str, Any], profile: Profile) -> list[Problem]:
        """Contradictions LLaMA-Factory accepts or finds only at run time."""
        problems = []
        if config.get("bf16") and config.get("fp16"):
            problems.append(Problem("bf16/fp16", "both are on; choose one precision"))
        if config.get("quantization_bit") and config.get("finetuning_type") == "full":
            problems.append(
                Problem("quantization_bit", "quantized base weights cannot be fully fine-tuned")
            )
        if config.get("bf16") and profile.device == "cpu" and not config.get("use_cpu"):
            problems.append(Problem("bf16", "bf16 on the CPU needs use_cpu: true"))
        if config.get("quantization_bit") and not profile.supports_4bit:
            problems.append(
                Problem("quantization_bit", f"profile {profile.name} has no 4-bit support")
            )
        return problems


def check_dataset_info(text: str, config: dict[str, Any]) -> list[Problem]:
    """Check dataset_info.json: known keys per entry, and every dataset the YAML names is there."""
    problems = []
    try:
        info = json.loads(text)
    except json.JSONDecodeError as exc:
        return [Problem(DATASET_INFO, f"not valid JSON: {exc}")]
    for name, entry in info.items():
        where = f"{DATASET_INFO}:{name}"
        for key in entry:
            if key not in _ENTRY_KEYS:
                problems.append(Problem(f"{where}.{key}", "unknown key"))
        for group, known in (("columns", _COLUMN_KEYS), ("tags", _TAG_KEYS)):
            for key in entry.get(group, {}):
                if key not in known:
                    problems.append(Problem(f"{where}.{group}.{key}", "unknown key"))
        if entry.get("formatting", "alpaca") not in {"alpaca", "sharegpt", "openai"}:
            problems.append(
                Problem(f"{where}.formatting", f"unknown value {entry['formatting']!r}")
            )
    for key in ("dataset", "eval_dataset"):
        for name in str(config.get(key) or "").split(","):
            if name and name.strip() not in info:
                problems.append(Problem(key, f"dataset {name.strip()!r} is not in {DATASET_INFO}"))
    return problems
