"""How long a run will take: seconds per optimizer step, steps per epoch, the whole run.

An estimate, and the plan says so: a step processes ``6 x active parameters x tokens``
floating-point operations (forward and backward, the count the trainers log as ``total_flos``),
tokens being the micro-batches padded to their longest example. The throughput is the
machine's: on a CPU a measured rate per core times the cores the run may use, on a GPU a share of
the device's peak. The CPU rate was measured with SmolLM2-135M LoRA on this project's 2-core
reference machine (see docs/plan.md); GPU shares are the usual 30-40 % of peak.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from seshat.plan.catalogue import ModelShape
from seshat.plan.data_lengths import DataLengths

# floating-point operations per second and core, training in fp32 on CPU (measured, docs/plan.md)
CPU_FLOPS_PER_CORE = 1.0e11
# seconds a run spends before its first step (loading the model, tokenizing the data)
STARTUP_S = 15.0
# peak dense bf16/fp16 throughput per device, and the share a fine-tuning run reaches
GPU_PEAK = {"A100": 312e12, "H100": 989e12, "H200": 989e12, "L40S": 362e12, "L4": 121e12}
GPU_SHARE = 0.35
STRIX_HALO_PEAK = 59e12  # Radeon 8060S (gfx1151), fp16
STRIX_HALO_SHARE = 0.2
DAY_S = 86_400
# generation runs at this share of the training rate per token (one token at a time, memory bound):
# 120 answers of up to 32 tokens took 41.5 s with SmolLM2-135M on 2 cores (transformers, batch 8)
DECODE_SHARE = 0.17


@dataclass(frozen=True)
class TimeEstimate:
    """What a run will take, estimated."""

    step_s: float
    steps_per_epoch: int
    total_steps: int
    total_s: float
    tokens_per_step: float
    basis: str
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def active_parameters(shape: ModelShape) -> int:
    """Parameters one token passes through (a mixture of experts uses a few experts)."""
    if not shape.is_moe:
        return shape.parameters()
    attention = sum(i * o * c for i, o, c in shape.attention_linears())
    return (
        shape.embedding_parameters()
        + attention
        + 3 * shape.layers * shape.hidden * (shape.active_mlp_width())
    )


def throughput(
    device: str, cores: int | None, accelerators: str | None, devices: int
) -> tuple[float, str]:
    """Training FLOP/s of the machine, and how it was derived."""
    if device == "cpu":
        n = max(1, cores or 1)
        return CPU_FLOPS_PER_CORE * n, f"{n} CPU core(s) at {CPU_FLOPS_PER_CORE:.1e} FLOP/s each"
    if device == "rocm":
        rate = STRIX_HALO_PEAK * STRIX_HALO_SHARE * devices
        return rate, f"{int(STRIX_HALO_SHARE * 100)} % of a Radeon 8060S's fp16 peak"
    name = re.split(r"[-:]", accelerators or "A100")[0].upper()
    peak = GPU_PEAK.get(name, GPU_PEAK["A100"])
    return peak * GPU_SHARE * devices, f"{int(GPU_SHARE * 100)} % of {devices} x {name} peak"


def training_steps(
    examples: int, per_step: float, epochs: float | None, max_steps: int | None
) -> tuple[int, int]:
    """Optimizer steps per epoch and in the whole run (``max_steps`` wins over epochs).

    ``per_step``: examples one optimizer step takes (micro-batch x accumulation x devices, times
    the examples a packed row holds).
    """
    per_epoch = max(1, math.ceil(examples / max(1, per_step)))
    return per_epoch, max_steps or max(1, math.ceil(per_epoch * (epochs or 1)))


def estimate_time(
    shape: ModelShape,
    data: DataLengths,
    micro_batch: int,
    accumulation: int,
    steps: tuple[int, int],
    rate: tuple[float, str],
    packed_len: int | None = None,
) -> TimeEstimate:
    """Seconds per optimizer step and for the whole run (``steps``: :func:`training_steps`).

    ``packed_len``: with sample packing, the rows' length (each row is full, nothing is padded);
    None: micro-batches padded to their longest example.
    """
    if packed_len is not None:
        tokens = float(micro_batch * packed_len * accumulation)
        what = f"{tokens:.0f} tokens per step in packed rows of {packed_len}"
    else:
        tokens = data.padded_batch_tokens(micro_batch) * accumulation
        what = f"{tokens:.0f} padded tokens per step"
    flops = 6 * active_parameters(shape) * tokens
    step_s = flops / rate[0]
    per_epoch, total_steps = steps
    total_s = STARTUP_S + step_s * total_steps
    warning = None
    if total_s > DAY_S:
        warning = (
            f"about {total_s / 3600:.0f} hours on this machine: set fewer steps "
            "(`training.max_steps=...`), a smaller model, or plan on the cloud "
            "(`seshat plan profile=cloud-a100-80b`)"
        )
    return TimeEstimate(
        step_s=step_s,
        steps_per_epoch=per_epoch,
        total_steps=total_steps,
        total_s=total_s,
        tokens_per_step=tokens,
        basis=f"estimated: 6 x {active_parameters(shape) / 1e6:.0f} M parameters x {what}, "
        f"at {rate[1]}",
        warning=warning,
    )


def duration(seconds: float) -> str:
    """``42 s``, ``12 min``, ``3.4 h``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def generation_seconds(shape: ModelShape, tokens: int, rate: tuple[float, str]) -> float:
    """Seconds to generate ``tokens`` answer tokens with ``shape`` (estimated)."""
    return tokens * 2 * active_parameters(shape) / (rate[0] * DECODE_SHARE)


def evaluation_seconds(
    shape: ModelShape, dev: DataLengths, micro_batch: int, rate: tuple[float, str]
) -> float:
    """Seconds of one dev-loss evaluation.

    A forward pass (a third of a step's work) over the whole dev split, in micro-batches padded
    to their longest example.
    """
    batches = math.ceil(dev.examples / max(1, micro_batch))
    tokens = batches * dev.padded_batch_tokens(micro_batch)
    return 2 * active_parameters(shape) * tokens / rate[0]
