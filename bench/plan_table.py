"""What fits where: the memory plan of Qwen3 14B, 32B and Next-80B-A3B on every GPU profile.

    python bench/plan_table.py [--markdown]

For each model x profile, ``seshat plan``'s choice with ``training.method: auto`` (LoRA, or QLoRA
where only 4-bit fits and the profile has it): the method, sequence length, micro-batch x
accumulation, gradient checkpointing, the peak estimate per GPU against the budget, and the
throughput features the plan turned on. Plans come from the profiles alone (no machine, no data:
the profile's sequence length), the way the golden files are rendered; no trainer env is asked,
so features that need a package in the env (FlashAttention 2, Unsloth) stay off.
"""

from __future__ import annotations

import argparse
import os
import sys

from _common import REPO, sample_project, table

MODELS = ("Qwen/Qwen3-14B", "Qwen/Qwen3-32B", "Qwen/Qwen3-Next-80B-A3B")
PROFILES = (
    "strix-halo-gfx1151",
    "strix-halo-rocm",
    "cloud-a100-80b",
    "cloud-4xh100",
    "cloud-8xa100-80b",
    "cloud-2x8xh100",
)
SHORT = {"sample_packing": "packing", "liger_kernel": "Liger", "lora_kernels": "LoRA kernels"}


def rows(backend: str) -> list[list[str]]:
    """One row per model x profile."""
    from seshat.config.loader import load_project
    from seshat.trainer_config import prepare

    project = sample_project()
    found = []
    for model in MODELS:
        for profile in PROFILES:
            plan = prepare(
                load_project(
                    project, [f"model.base={model}", f"profile={profile}", f"backend={backend}"]
                )
            ).plan
            memory = plan.memory or {}
            parts = memory.get("estimate_gb") or {}
            tried = memory.get("tried") or [{}]
            shards = memory.get("shards", 1)
            estimate = parts.get("total", tried[-1].get("estimate_gb", 0.0))
            on = [SHORT.get(name, name) for name, choice in plan.speedups.items() if choice.value]
            found.append(
                [
                    model.split("/")[-1],
                    profile,
                    plan.method if plan.fits else f"does not fit ({plan.method})",
                    str(plan.value("sequence_len")),
                    f"{plan.value('micro_batch_size')} x {plan.value('gradient_accumulation_steps')}",
                    "on" if plan.value("gradient_checkpointing") else "off",
                    f"{estimate:.1f} / {memory.get('budget_gb', 0):.1f} GB"
                    + (f" (ZeRO-3 / {shards})" if shards > 1 else ""),
                    ", ".join(on) or "-",
                ]
            )
    return found


HEADER = [
    "model",
    "profile",
    "method",
    "seq",
    "micro x acc",
    "ckpt",
    "per GPU / budget",
    "features",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="Print a Markdown table.")
    parser.add_argument("--backend", default="axolotl", choices=["axolotl", "llamafactory"])
    args = parser.parse_args()
    os.environ["SESHAT_MACHINE"] = "profile"  # the profiles alone, whatever this machine is
    found = rows(args.backend)
    if args.markdown:
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "---|" * len(HEADER))
        for row in found:
            print("| " + " | ".join(row) + " |")
        return
    table(f"seshat plan, training.method auto, backend {args.backend}", HEADER, found)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
