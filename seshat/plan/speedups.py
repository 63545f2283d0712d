"""Which throughput features a run uses: the profile offers them, the plan turns each on where it fits.

A profile lists what its machine can use (``speedups:``); a trainer declares which of them it
offers (``Backend.speedups``); this module decides, for one run, which are on and says why for
each, from the model's family, the method, the precision, the number of GPUs and what is installed
in the trainer's env. Templates read only the decision (``plan.speedups``), and the memory plan
accounts for it (:mod:`seshat.plan.memory`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seshat.profiles import Profile, Speedups

# every feature a profile may offer (the fields of Speedups), in the order plans print them
NAMES: tuple[str, ...] = tuple(Speedups.model_fields)
# model families whose layers Liger Kernel 0.8.1 patches (its MODEL_TYPE_TO_APPLY_LIGER_FN has
# llama, qwen2, qwen3, qwen3_moe, qwen3_next, gemma3 and others; SmolLM2-style "chatml" models
# are recognised by their template, not their architecture, so they are left alone)
LIGER_FAMILIES = ("qwen3", "qwen2", "llama3", "gemma3")
# features that need a package the pinned trainer envs do not carry: on only when it is installed
ENV_PACKAGES = {"flash_attention": "flash-attn", "unsloth": "unsloth"}


@dataclass(frozen=True)
class RunFacts:
    """What decides whether a feature fits one run.

    Attributes:
        backend: The trainer's name.
        offered: The features the trainer offers (``Backend.speedups``).
        method: ``lora``, ``qlora`` or ``full``.
        family: The model's family (:data:`seshat.model_family.FAMILIES`), None when unknown.
        trust_remote_code: Whether the model runs its own code (Axolotl's LoRA kernels refuse it).
        env_packages: Normalised names of the packages in the trainer env for the profile's torch
            build; None when that env is not installed here.
        excludes: What the trainer cannot combine: ``{feature: (other feature, why)}``; the
            feature is off while the other is on.
    """

    backend: str
    offered: frozenset[str]
    method: str
    family: str | None
    trust_remote_code: bool = False
    env_packages: frozenset[str] | None = None
    excludes: dict[str, tuple[str, str]] = field(default_factory=dict)


def normalise(package: str) -> str:
    """A package name as pip compares them: lower case, ``_`` and ``.`` as ``-``."""
    return package.strip().lower().replace("_", "-").replace(".", "-")


def decide(profile: Profile, facts: RunFacts) -> dict[str, tuple[bool, str]]:
    """Each feature: on or off, and why.

    Args:
        profile: The concrete hardware profile (what it offers, device, precision, GPUs).
        facts: The run's model, method, trainer and trainer env.

    Returns:
        ``{feature: (on, reason)}`` for every name in :data:`NAMES`.
    """
    chosen: dict[str, tuple[bool, str]] = {}
    for name in sorted(NAMES, key=lambda n: n != "unsloth"):  # Unsloth first: it replaces Liger
        if not getattr(profile.speedups, name):
            chosen[name] = (False, f"not offered by profile {profile.name}")
        elif name not in facts.offered:
            chosen[name] = (False, f"{facts.backend} has no such option")
        else:
            chosen[name] = _fits(name, profile, facts, chosen)
    for name, (other, why) in facts.excludes.items():
        if chosen.get(name, (False, ""))[0] and chosen.get(other, (False, ""))[0]:
            chosen[name] = (False, why)
    return {name: chosen[name] for name in NAMES}


def _fits(
    name: str, profile: Profile, facts: RunFacts, chosen: dict[str, tuple[bool, str]]
) -> tuple[bool, str]:
    if name == "sample_packing":
        return True, (
            "several examples per row of sequence_len tokens, kept apart by the attention "
            "mask: no padding is computed"
        )
    if name == "liger_kernel":
        if facts.family not in LIGER_FAMILIES:
            return (
                False,
                f"Liger has no kernels for this model family ({facts.family or 'unknown'})",
            )
        if chosen.get("unsloth", (False, ""))[0]:
            return False, "Unsloth brings its own fused kernels"
        return True, "fused RMSNorm, SwiGLU, RoPE and linear + cross-entropy (no full logits)"
    if name == "lora_kernels":
        if facts.method == "full":
            return False, "LoRA only (full fine-tuning has no adapters)"
        if facts.trust_remote_code:
            return False, "Axolotl's LoRA kernels refuse models with their own code"
        return True, "fused LoRA MLP, QKV and output projections (Triton, CUDA)"
    package = ENV_PACKAGES[name]
    if name == "flash_attention" and profile.precision == "fp32":
        return False, "FlashAttention 2 needs 16-bit precision"
    if name == "unsloth":
        if facts.method == "full":
            return False, "Unsloth through LLaMA-Factory is for LoRA and QLoRA"
        if profile.world_size > 1:
            return False, "Unsloth in LLaMA-Factory trains on one GPU (no DeepSpeed ZeRO-3)"
    flavour = profile.torch_flavour.value
    if facts.env_packages is None:
        return False, (
            f"needs {package} in the {facts.backend} env ({flavour}), which is not installed on "
            "this machine"
        )
    if normalise(package) not in facts.env_packages:
        return False, f"{package} is not installed in the {facts.backend} env ({flavour})"
    return True, f"{package} is installed in the {facts.backend} env ({flavour})"


def read_freeze(text: str) -> frozenset[str]:
    """Package names of a ``pip freeze`` output (``name==version`` or ``name @ url`` lines)."""
    names = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for separator in ("==", " @ ", "@"):
            if separator in line:
                line = line.split(separator, 1)[0]
                break
        names.add(normalise(line))
    return frozenset(names)
