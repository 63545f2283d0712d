"""Facts about the machine Seshat runs on: CPU model and instruction sets, cores, memory, disk.

Read from ``/proc`` and ``os`` only (no third-party package), so any layer may ask. Code that
decides on these facts takes them as arguments where tests must stay machine-independent.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

# Instruction-set flags that decide which llama.cpp (ggml) CPU kernels run, in the order they
# are worth naming in a diagnosis.
KERNEL_FLAGS = (
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512bw",
    "avx512_vnni",
    "avx512_bf16",
    "avx_vnni",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
)


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model() -> str:
    """The CPU's model name (``platform.processor()`` where /proc/cpuinfo has none)."""
    found = re.search(r"^model name\s*:\s*(.*)$", _cpuinfo(), re.MULTILINE)
    return found.group(1).strip() if found else (platform.processor() or platform.machine())


def cpu_flags() -> frozenset[str]:
    """The CPU's instruction-set flags (``flags`` on x86, ``Features`` on Arm)."""
    found = re.search(r"^(?:flags|Features)\s*:\s*(.*)$", _cpuinfo(), re.MULTILINE)
    return frozenset(found.group(1).split()) if found else frozenset()


def kernel_features(flags: frozenset[str] | None = None) -> list[str]:
    """The flags of :data:`KERNEL_FLAGS` that this CPU (or ``flags``) has, in that order."""
    have = cpu_flags() if flags is None else flags
    return [flag for flag in KERNEL_FLAGS if flag in have]


def cpu_identity() -> str:
    """A short hash of the CPU's model and flags: a natively compiled library depends on both."""
    found = re.search(r"^(?:flags|Features)\s*:\s*(.*)$", _cpuinfo(), re.MULTILINE)
    text = f"{cpu_model()}|{found.group(1) if found else ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def memory_bytes() -> tuple[int | None, int | None]:
    """Total and available memory in bytes, from /proc/meminfo (None where unknown)."""
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return None, None
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[key] = int(parts[0]) * 1024
    return values.get("MemTotal"), values.get("MemAvailable")


def free_disk_bytes(path: Path) -> int:
    """Free bytes on the file system that holds ``path`` (or its nearest existing parent)."""
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity: a container's share, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class MachineFacts:
    """What the plan needs to know about the machine a run will use.

    Attributes:
        cores: CPU cores available to this process.
        memory_gb: Total memory (GB, 10^9 bytes, as profiles count), None when unknown.
        available_gb: Memory free now (GB), None when unknown.
        source: ``measured``, or ``SESHAT_MACHINE`` when injected (tests, what-if plans).
    """

    cores: int
    memory_gb: float | None
    available_gb: float | None
    source: str = "measured"


def machine_facts() -> MachineFacts | None:
    """This machine's facts, or the ones ``SESHAT_MACHINE`` injects.

    ``SESHAT_MACHINE=profile`` plans from the profile alone (None); a JSON object such as
    ``{"cores": 2, "memory_gb": 24}`` stands in for the machine (tests inject facts so that their
    results do not depend on the machine they run on).
    """
    raw = os.environ.get("SESHAT_MACHINE", "").strip()
    if raw == "profile":
        return None
    if raw:
        try:
            data = json.loads(raw)
            return MachineFacts(
                cores=int(data.get("cores", 1)),
                memory_gb=float(data["memory_gb"]) if data.get("memory_gb") else None,
                available_gb=float(data["available_gb"]) if data.get("available_gb") else None,
                source="SESHAT_MACHINE",
            )
        except (ValueError, TypeError, AttributeError, KeyError):
            pass  # a malformed value: measure the machine instead
    total, available = memory_bytes()
    return MachineFacts(
        cores=available_cores(),
        memory_gb=total / 1e9 if total else None,
        available_gb=available / 1e9 if available else None,
    )
