"""Axolotl: render, check, run (``axolotl train CONFIG --launcher python``), follow and merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from seshat.backends.axolotl.metrics import AxolotlParser
from seshat.backends.base import CONFIG_FILE, Backend, Rendered
from seshat.backends.metrics import MetricsReader
from seshat.backends.schema import Problem, Snapshot
from seshat.config.loader import LoadedProject
from seshat.profiles import Profile

# Axolotl plugins that run inside Axolotl's env (see in_env/seshat_axolotl.py).
IN_ENV = Path(__file__).resolve().parent / "in_env"


class Axolotl(Backend):
    """The Axolotl backend (pinned 0.19.0, the newest for Python 3.11)."""

    name: ClassVar[str] = "axolotl"
    purpose: ClassVar[str] = "Axolotl 0.19.0: `axolotl train backend.yaml`"
    speedups: ClassVar[frozenset[str]] = frozenset(
        {"sample_packing", "liger_kernel", "lora_kernels", "flash_attention"}
    )
    chat_templates: ClassVar[dict[str, str]] = {
        "qwen3": "qwen3",
        "qwen2": "qwen_25",
        "llama3": "llama3",
        "gemma3": "gemma3",
        "chatml": "chatml",
    }
    unknown_family_template: ClassVar[str | None] = "tokenizer_default"

    def metrics_reader(
        self, output_dir: Path, logging_steps: int, first_step: int
    ) -> MetricsReader:
        """Axolotl's stdout, rows numbered by ``logging_steps`` from ``first_step``."""
        return AxolotlParser(logging_steps=logging_steps, first_step=first_step)

    def train_argv(self, config_name: str, profile: Profile) -> list[str]:
        """One GPU: ``--launcher python`` (plain ``axolotl train`` re-imports via accelerate).

        Several: Axolotl's own launcher (torchrun, or accelerate), one process per GPU; torchrun
        reads its node settings from ``PET_*`` variables (:meth:`run_env`, the SkyPilot task).
        """
        launcher = "python" if profile.world_size == 1 else profile.launcher
        if launcher in ("deepspeed", "python"):
            launcher = "torchrun" if profile.world_size > 1 else "python"
        return ["axolotl", "train", config_name, "--launcher", launcher]

    def merge_command(
        self, trained: dict[str, Any], run_dir: Path, adapter_dir: Path, work_dir: Path
    ) -> tuple[list[str], dict[str, str]]:
        """``axolotl merge-lora`` on the run's config; ``output_dir/merged`` is where it writes.

        The adapter is passed explicitly: a continued run's config names its parent's adapter.
        """
        argv = [
            "axolotl",
            "merge-lora",
            (run_dir / CONFIG_FILE).as_posix(),
            "--lora-model-dir",
            adapter_dir.as_posix(),
            "--output-dir",
            work_dir.as_posix(),
        ]
        return argv, {}

    def dev_loss_command(
        self,
        trained: dict[str, Any],
        run_dir: Path,
        model_dir: Path,
        adapter: bool,
        dev: Path,
        work_dir: Path,
    ) -> tuple[list[str], dict[str, str]]:
        """``axolotl evaluate`` of the final adapter (or full model) on the dev split.

        Axolotl evaluates its ``datasets`` and ``test_datasets`` both: the dev split is given as
        both (two forward passes over it, never the training split); ``eval_summary.csv`` in
        ``work_dir`` has the loss.
        """
        import yaml

        split = dict((trained.get("datasets") or [{}])[0]) | {"path": dev.as_posix()}
        config = {k: v for k, v in trained.items() if k not in ("max_steps", "lora_model_dir")}
        config |= {
            "output_dir": work_dir.as_posix(),
            "dataset_prepared_path": (work_dir / "prepared").as_posix(),
        }
        if adapter:
            config["lora_model_dir"] = model_dir.as_posix()
        else:
            config["base_model"] = model_dir.as_posix()
        config |= {"datasets": [split], "test_datasets": [split], "val_set_size": 0.0}
        path = work_dir / "dev-loss.yaml"
        return ["axolotl", "evaluate", path.as_posix(), "--launcher", "python"], {
            path.as_posix(): yaml.safe_dump(config, sort_keys=False)
        }

    def read_dev_loss(self, work_dir: Path) -> float | None:
        """The ``loss`` row of ``eval_summary.csv`` (its validation column, else training)."""
        import csv

        try:
            with open(work_dir / "eval_summary.csv", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if row.get("metric") == "loss":
                        return float(row.get("validation") or row["training"])
        except (OSError, ValueError, KeyError):
            return None
        return None

    def run_env(self, project: LoadedProject, profile: Profile) -> dict[str, str]:
        """Telemetry off (it is on unless told otherwise); Seshat's plugin folder importable."""
        env = super().run_env(project, profile) | {
            "AXOLOTL_DO_NOT_TRACK": "1",
            "PYTHONPATH": str(IN_ENV),
        }
        if profile.world_size > 1:  # torchrun's --nproc-per-node (its other options: the task's)
            env["PET_NPROC_PER_NODE"] = str(profile.num_devices)
        return env

    def strict_check(
        self, rendered: Rendered, profile: Profile, snapshot: Snapshot
    ) -> list[Problem]:
        """Schema + rules; a plugin's options only with the plugin listed (Axolotl's merge)."""
        problems = super().strict_check(rendered, profile, snapshot)
        config = rendered.config if isinstance(rendered.config, dict) else {}
        listed = set(config.get("plugins") or [])
        for plugin, options in snapshot.data.get("plugin_fields", {}).items():
            if plugin in listed:
                continue
            for key in sorted(set(options) & set(config)):
                problems.append(
                    Problem(key, f"an option of {plugin}, which `plugins:` does not list")
                )
        return problems

    def rules(self, config: dict[str, Any], profile: Profile) -> list[Problem]:
        """Contradictions that Axolotl's own validation lets through."""
        problems = []
        if config.get("bf16") in (True, "auto") and config.get("fp16") is True:
            problems.append(Problem("bf16/fp16", "both are on; choose one precision"))
        if config.get("load_in_4bit") and config.get("load_in_8bit"):
            problems.append(Problem("load_in_4bit/load_in_8bit", "both are on; choose one"))
        if config.get("adapter") == "qlora" and not config.get("load_in_4bit"):
            problems.append(Problem("adapter", "'qlora' needs load_in_4bit: true"))
        attention = [
            k for k in ("flash_attention", "sdp_attention", "eager_attention") if config.get(k)
        ]
        if len(attention) > 1:
            problems.append(
                Problem("/".join(attention), "more than one attention implementation is on")
            )
        if profile.device != "cuda":
            kernels = [
                k
                for k in (
                    "lora_mlp_kernel",
                    "lora_qkv_kernel",
                    "lora_o_kernel",
                    "lora_embedding_kernel",
                )
                if config.get(k)
            ]
            if kernels:
                problems.append(
                    Problem(
                        kernels[0],
                        f"LoRA kernels need CUDA; profile {profile.name} is {profile.device}",
                    )
                )
            if config.get("bf16") == "auto":
                problems.append(
                    Problem("bf16", "'auto' turns on fp16 without a CUDA GPU; set true or false")
                )
        if config.get("load_in_4bit") and not profile.supports_4bit:
            problems.append(Problem("load_in_4bit", f"profile {profile.name} has no 4-bit support"))
        return problems
