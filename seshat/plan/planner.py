"""Size a run to the machine: the largest micro-batch and sequence length that fit, or why not.

The search follows the fallback ladder a person would: train as asked without gradient
checkpointing (fastest); with it; in 4-bit (QLoRA, when the method was left to Seshat and the
profile has 4-bit support); with shorter sequences; and finally report that the run needs a bigger
profile. Every tried configuration is kept as a row of the explanation ``seshat plan`` prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from seshat.plan.catalogue import ModelShape
from seshat.plan.memory import Estimate, Settings, estimate, lora_parameters
from seshat.profiles import Profile

MIN_SEQUENCE = 256
DATA_MIN_SEQUENCE = 64  # a length measured on the data may be short (sentence pairs)
CPU_SHORT = 512  # examples up to this many tokens train faster batched on a CPU
GPU_MAX_MICRO_BATCH = 16

# Adapter targets for mixture-of-experts models, leaving the routed experts alone.
MOE_TARGETS = {
    "attention": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "linear_attention": ["in_proj_qkvz", "in_proj_ba", "out_proj"],
    "shared_expert": [
        "shared_expert.gate_proj",
        "shared_expert.up_proj",
        "shared_expert.down_proj",
    ],
}


@dataclass(frozen=True)
class Tried:
    """One configuration the planner looked at."""

    step: str
    settings: Settings
    estimate_gb: float
    fits: bool


@dataclass
class Sizing:
    """The planner's answer."""

    budget_gb: float
    fits: bool
    settings: Settings | None
    estimate: Estimate | None
    tried: list[Tried] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    lora_target_modules: Any = None

    def table(self) -> list[dict[str, Any]]:
        """The tried configurations as rows (for ``plan.json`` and the printed table)."""
        return [
            {
                "step": row.step,
                "method": row.settings.method,
                "sequence_len": row.settings.sequence_len,
                "micro_batch_size": row.settings.micro_batch_size,
                "gradient_checkpointing": row.settings.gradient_checkpointing,
                "estimate_gb": round(row.estimate_gb, 1),
                "fits": row.fits,
            }
            for row in self.tried
        ]


@dataclass(frozen=True)
class Asked:
    """What the spec fixes (None = the planner chooses)."""

    method: str
    method_fixed: bool
    sequence_len: int | None
    micro_batch_size: int | None
    gradient_checkpointing: bool | None
    lora_rank: int
    lora_dropout: bool
    target_modules: Any
    optimizer: str
    train_embeddings: bool = False
    data_sequence_len: int | None = None  # what the formatted data needs (None: not measured)
    data_reason: str = ""
    liger: bool = False  # Liger's fused kernels are on (seshat/plan/speedups.py)


def budget_gb(profile: Profile) -> float:
    """Memory one process may plan for: its device's usable memory less the safety margin."""
    return profile.memory.usable_gb * (1 - profile.memory.safety_margin)


def shards(profile: Profile) -> int:
    """GPUs that share the weights, gradients and optimizer state (DeepSpeed ZeRO-3), else 1."""
    return profile.world_size if profile.sharding == "zero3" else 1


def moe_targets(shape: ModelShape) -> list[str]:
    """LoRA targets of a mixture-of-experts model without the routed experts."""
    targets = list(MOE_TARGETS["attention"])
    if shape.linear_attention_every:
        targets += MOE_TARGETS["linear_attention"]
    if shape.shared_expert_intermediate:
        targets += MOE_TARGETS["shared_expert"]
    return targets


def _sequence_ladder(asked: Asked, profile: Profile) -> list[int]:
    if asked.sequence_len is not None:
        return [asked.sequence_len]
    if asked.data_sequence_len is not None:  # the data's own length, halved only to fit
        ladder, length = [], asked.data_sequence_len
        while length >= DATA_MIN_SEQUENCE:
            ladder.append(length)
            length //= 2
        return ladder or [asked.data_sequence_len]
    ladder, length = [], profile.defaults.sequence_len
    while length >= MIN_SEQUENCE:
        ladder.append(length)
        length //= 2
    return ladder or [profile.defaults.sequence_len]


def _micro_batches(asked: Asked, profile: Profile) -> list[int]:
    if asked.micro_batch_size is not None:
        return [asked.micro_batch_size]
    # On a CPU, long examples gain nothing from batching (keep the profile's size); short ones
    # do: 8 x 1 took 5.6 s per optimizer step against 7.1 s for 1 x 8 (135M model, 2 cores,
    # ~170 tokens), so up to the profile's effective batch in one micro-batch.
    if profile.device == "cpu":
        short = asked.data_sequence_len is not None and asked.data_sequence_len <= CPU_SHORT
        effective = profile.defaults.micro_batch_size * profile.defaults.gradient_accumulation_steps
        cap = effective if short else profile.defaults.micro_batch_size
    else:
        cap = GPU_MAX_MICRO_BATCH
    return [size for size in (16, 8, 4, 2, 1) if size <= max(cap, 1)]


def size_run(shape: ModelShape, profile: Profile, asked: Asked) -> Sizing:
    """Choose method, sequence length, micro-batch and checkpointing for ``shape`` on ``profile``.

    Args:
        shape: The base model's sizes.
        profile: The hardware profile (usable memory, safety margin, precision, 4-bit support).
        asked: What the spec fixes; everything else is chosen.

    Returns:
        The sizing, with every tried configuration (``fits`` is False when nothing fits).
    """
    budget = budget_gb(profile)
    sizing = Sizing(budget_gb=budget, fits=False, settings=None, estimate=None)
    on_experts = True
    sizing.lora_target_modules = asked.target_modules
    if shape.is_moe and asked.method != "full" and asked.target_modules == "all-linear":
        on_experts = False
        sizing.lora_target_modules = moe_targets(shape)
        extra = lora_parameters(shape, asked.lora_rank) - lora_parameters(
            shape, asked.lora_rank, on_experts=False
        )
        sizing.reasons["lora_target_modules"] = (
            f"mixture of experts: adapters on all {shape.experts} experts of each layer would add "
            f"{extra / 1e9:.1f} B trainable parameters; Seshat adapts attention"
            f"{' and the shared expert' if shape.shared_expert_intermediate else ''} "
            "(set lora.target_modules to choose)"
        )
    base = Settings(
        method=asked.method,
        precision=profile.precision,
        lora_rank=asked.lora_rank,
        lora_dropout=asked.lora_dropout,
        lora_on_experts=on_experts,
        optimizer=asked.optimizer,
        train_embeddings=asked.train_embeddings,
        attention="eager" if profile.attention == "eager" else "sdpa",
        liger=asked.liger,
        shards=shards(profile),
    )
    methods = [asked.method]
    if not asked.method_fixed and asked.method == "lora" and profile.supports_4bit:
        methods.append("qlora")
    checkpointing = (
        [asked.gradient_checkpointing]
        if asked.gradient_checkpointing is not None
        else [False, True]
    )
    sequences = _sequence_ladder(asked, profile)
    batches = _micro_batches(asked, profile)

    def attempt(step: str, settings: Settings) -> bool:
        for size in batches:
            candidate = replace(settings, micro_batch_size=size)
            found = estimate(shape, candidate)
            fits = found.total <= budget
            if fits or size == batches[-1]:
                sizing.tried.append(Tried(step, candidate, found.total, fits))
            if fits:
                sizing.fits, sizing.settings, sizing.estimate = True, candidate, found
                return True
        return False

    for method in methods:
        for gc in checkpointing:
            step = _step_name(method, asked.method, gc, sequences[0], first=not sizing.tried)
            if attempt(
                step,
                replace(base, method=method, sequence_len=sequences[0], gradient_checkpointing=gc),
            ):
                return _explain(sizing, asked, profile)
    final = replace(base, method=methods[-1], gradient_checkpointing=checkpointing[-1])
    for length in sequences[1:]:
        if attempt(f"shorter sequences ({length} tokens)", replace(final, sequence_len=length)):
            return _explain(sizing, asked, profile)
    return _explain(sizing, asked, profile)


def _step_name(method: str, asked: str, gc: bool, length: int, *, first: bool) -> str:
    what = f"{method}, {length} tokens, checkpointing {'on' if gc else 'off'}"
    if method != asked:
        return f"4-bit base weights (QLoRA): {what}"
    return what if first else f"gradient checkpointing: {what}"


def _explain(sizing: Sizing, asked: Asked, profile: Profile) -> Sizing:
    reasons = sizing.reasons
    if not sizing.fits or sizing.settings is None or sizing.estimate is None:
        return sizing
    chosen, found = sizing.settings, sizing.estimate
    per_gpu = f" per GPU, ZeRO-3 over {chosen.shards}" if chosen.shards > 1 else ""
    room = f"{found.total:.1f} of {sizing.budget_gb:.1f} GB{per_gpu} ({profile.name}, after its margin)"
    if chosen.method != asked.method:
        reasons["method"] = (
            f"{asked.method} does not fit in {sizing.budget_gb:.0f} GB; QLoRA does: {room}"
        )
    if asked.sequence_len is None and asked.data_sequence_len is not None:
        reasons["sequence_len"] = (
            asked.data_reason
            if chosen.sequence_len == asked.data_sequence_len
            else f"{asked.data_reason}, shortened to {chosen.sequence_len} to fit: {room}"
        )
    elif asked.sequence_len is None:
        if chosen.sequence_len < profile.defaults.sequence_len:
            reasons["sequence_len"] = (
                f"shortened from {profile.defaults.sequence_len} to fit: {room}"
            )
        else:
            reasons["sequence_len"] = f"profile {profile.name}'s length, fits: {room}"
    if asked.gradient_checkpointing is None:
        reasons["gradient_checkpointing"] = (
            "on: the run does not fit without it"
            if chosen.gradient_checkpointing
            else "off: the run fits without it, and recomputing would cost ~30 % more time"
        )
    if asked.micro_batch_size is None:
        short = asked.data_sequence_len is not None and asked.data_sequence_len <= CPU_SHORT
        reasons["micro_batch_size"] = (
            f"largest that fits: {room}"
            if profile.device != "cpu"
            else "short examples on a CPU train faster in one batch than accumulated "
            f"(8 x 1: 5.6 s per optimizer step, 1 x 8: 7.1 s); fits: {room}"
            if short
            else f"profile {profile.name}'s size (on a CPU long examples gain nothing from batching)"
        )
    return sizing


def accumulation(micro_batch: int, profile: Profile, per_row: float = 1.0) -> tuple[int, str]:
    """Gradient accumulation keeping the profile's effective batch (micro-batch x accumulation).

    Args:
        micro_batch: Rows per micro-batch.
        profile: The profile whose effective batch (in examples, per GPU) is kept.
        per_row: Examples per row: 1, or more with sample packing (at least the profile's batch).
    """
    target = profile.defaults.micro_batch_size * profile.defaults.gradient_accumulation_steps
    steps = max(1, math.ceil(target / (micro_batch * per_row)))
    gpus = f" on each of {profile.world_size} GPUs" if profile.world_size > 1 else ""
    if per_row > 1:
        return steps, (
            f"keeps at least profile {profile.name}'s effective batch of {target} examples{gpus}: "
            f"packed rows hold {per_row:.1f} examples each, so {micro_batch} x {steps} rows "
            f"carry about {micro_batch * steps * per_row:.0f}"
        )
    return steps, f"keeps profile {profile.name}'s effective batch of {target} examples{gpus}"
