"""Rows of a ROCm machine (Strix Halo): gfx target, ROCm, which stack, the override, GTT, 4-bit.

Strix Halo trains on one of two stacks (profiles/strix-halo-*.yaml): torch built for gfx1151
(AMD's ROCm 7 nightlies; profile strix-halo-gfx1151, no override) or PyTorch's ROCm wheels
without gfx1151 kernels, run through HSA_OVERRIDE_GFX_VERSION (strix-halo-rocm). The doctor reads
which one the trainer env's torch is from its kernel list and says whether the profile matches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seshat.doctor.facts import GB, ROCM_NATIVE_TARGET, Needs, Probe, Row


def check_rocm(probe: Probe, needs: Needs, torch: dict[str, Any] | None) -> list[Row]:
    """Strix Halo / ROCm: gfx target, ROCm version, the override, GTT memory, 4-bit."""
    rows = []
    targets = set()
    for props in probe.glob("/sys/class/kfd/kfd/topology/nodes/*/properties"):
        for line in (probe.read(props) or "").splitlines():
            key, _, value = line.partition(" ")
            if key == "gfx_target_version" and value.strip() not in ("", "0"):
                number = int(value)
                targets.add(f"gfx{number // 10000}{(number // 100) % 100:x}{number % 100:x}")
    gfx = sorted(targets)
    rows.append(
        Row(
            "gpu target",
            "ok" if gfx else "fail",
            ", ".join(gfx)
            if gfx
            else "no GPU found through /sys/class/kfd (amdgpu driver loaded?)",
            ""
            if gfx
            else "install the amdgpu driver and ROCm 7; add this user to the render and video groups",
        )
    )
    version = (probe.read("/opt/rocm/.info/version") or "").strip()
    rows.append(
        Row(
            "rocm",
            "ok" if version.startswith(("7", "8")) else "fail",
            f"ROCm {version}" if version else "no /opt/rocm/.info/version",
            "" if version.startswith(("7", "8")) else "install ROCm 7.x (6.x lacks gfx1151)",
        )
    )
    override = probe.environ().get("HSA_OVERRIDE_GFX_VERSION") or needs.env.get(
        "HSA_OVERRIDE_GFX_VERSION"
    )
    archs = (torch or {}).get("archs") or []
    native = ROCM_NATIVE_TARGET in archs
    if ROCM_NATIVE_TARGET in gfx:
        rows.append(check_stack(needs, torch, native))
        rows.append(check_aotriton(probe, needs))
    if override and native:
        rows.append(
            Row(
                "gfx override",
                "fail",
                f"HSA_OVERRIDE_GFX_VERSION={override} is set, but the env's torch has native "
                f"{ROCM_NATIVE_TARGET} kernels: the override breaks it (2026 reports)",
                "unset HSA_OVERRIDE_GFX_VERSION (and remove it from the profile's env), or use the "
                "override stack's profile",
            )
        )
    elif not override and torch is not None and gfx and not native:
        rows.append(
            Row(
                "gfx override",
                "fail",
                f"the env's torch has no {ROCM_NATIVE_TARGET} kernels ({', '.join(archs) or 'none listed'}) "
                "and HSA_OVERRIDE_GFX_VERSION is not set",
                "install torch built for gfx1151 (AMD's ROCm 7 index), or set HSA_OVERRIDE_GFX_VERSION=11.5.1",
            )
        )
    else:
        rows.append(
            Row(
                "gfx override",
                "ok",
                f"HSA_OVERRIDE_GFX_VERSION={override or 'unset'}; torch kernels: {', '.join(archs) or 'unknown'}",
            )
        )
    gtt = [
        int(t)
        for p in probe.glob("/sys/class/drm/card*/device/mem_info_gtt_total")
        if (t := (probe.read(p) or "").strip()).isdigit()
    ]
    if gtt:
        size = max(gtt) / GB
        rows.append(
            Row(
                "gpu memory (GTT)",
                "ok" if size >= 64 else "warn",
                f"{size:.0f} GB the GPU may use",
                ""
                if size >= 64
                else "raise it with kernel parameters amdgpu.gttsize=131072 ttm.pages_limit=33554432",
                needed=False,
            )
        )
    else:
        rows.append(
            Row("gpu memory (GTT)", "warn", "unknown (no mem_info_gtt_total)", needed=False)
        )
    return rows


# the profile for each Strix Halo stack, by the torch build it names
STACK_PROFILES = {"rocm-gfx1151": "strix-halo-gfx1151", "rocm": "strix-halo-rocm"}


def check_stack(needs: Needs, torch: dict[str, Any] | None, native: bool) -> Row:
    """Which Strix Halo stack the trainer env's torch is, and whether the profile is for it."""
    if torch is None:
        return Row(
            "rocm stack",
            "skip",
            "no trainer env to ask which torch it has",
            f"seshat backend install {needs.backend} --device {needs.device}",
            needed=False,
        )
    have = "rocm-gfx1151" if native else "rocm"
    what = (
        f"native: the env's torch has {ROCM_NATIVE_TARGET} kernels"
        if native
        else f"override: the env's torch has no {ROCM_NATIVE_TARGET} kernels "
        f"({', '.join(torch.get('archs') or []) or 'none listed'})"
    )
    if needs.device == have:
        return Row("rocm stack", "ok", f"{what}; profile {needs.profile} is for it")
    return Row(
        "rocm stack",
        "fail",
        f"{what}, but profile {needs.profile} is for the {needs.device} build",
        f"use `profile={STACK_PROFILES[have]}` (or `profile=strix-halo`, which picks it), or "
        f"install the env it names: `seshat backend install {needs.backend} --device "
        f"{needs.device}`",
    )


def check_aotriton(probe: Probe, needs: Needs) -> Row:
    """TORCH_ROCM_AOTRITON_ENABLE_EXPERIMENTAL=1: without it attention on gfx1151 is ~19x slower."""
    value = needs.env.get("TORCH_ROCM_AOTRITON_ENABLE_EXPERIMENTAL") or probe.environ().get(
        "TORCH_ROCM_AOTRITON_ENABLE_EXPERIMENTAL"
    )
    if value == "1":
        return Row("aotriton", "ok", "TORCH_ROCM_AOTRITON_ENABLE_EXPERIMENTAL=1 (fast attention)")
    return Row(
        "aotriton",
        "fail",
        "TORCH_ROCM_AOTRITON_ENABLE_EXPERIMENTAL is not 1: attention on gfx1151 falls back to a "
        "path about 19x slower",
        f"set it in the profile's env (profiles/{STACK_PROFILES.get(needs.device, 'strix-halo-gfx1151')}.yaml "
        "does)",
    )


def check_bitsandbytes(probe: Probe, python: Path | None, needs: Needs) -> Row:
    """A 4-bit quantize/dequantize on the GPU, where the profile plans QLoRA."""
    if not needs.supports_4bit:
        return Row(
            "bitsandbytes 4-bit",
            "skip",
            f"the profile {needs.profile} plans no 4-bit",
            needed=False,
        )
    if python is None:
        return Row("bitsandbytes 4-bit", "skip", "no backend env to test in", needed=False)
    code, out = probe.run(
        [
            str(python),
            "-c",
            "import torch, bitsandbytes.functional as F;"
            "x = torch.randn(64, 64, device='cuda', dtype=torch.float16);"
            "q, s = F.quantize_4bit(x, quant_type='nf4');"
            "print(float((F.dequantize_4bit(q, s) - x).abs().max()))",
        ],
        timeout=180,
    )
    if code == 0:
        return Row(
            "bitsandbytes 4-bit",
            "ok",
            f"NF4 round trip on the GPU, max error {out.splitlines()[-1]}",
        )
    return Row(
        "bitsandbytes 4-bit",
        "fail",
        f"4-bit quantization failed: {out[-200:]}",
        "build bitsandbytes for this GPU (gfx1151: from source), or plan without 4-bit "
        "(training.method=lora)",
    )
