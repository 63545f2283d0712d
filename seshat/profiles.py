"""Hardware profiles as data: ``profiles/*.yaml`` shipped with Seshat or kept in the project.

A profile says what the machine is (device, memory, precision, 4-bit support, attention kernel,
environment variables, launcher) and, for cloud profiles, what to rent. An *alias* profile names
concrete profiles per detected device (``strix-halo`` -> ``strix-halo-rocm`` | ``strix-halo-cpu``).
A profile in the project's ``profiles/`` overrides a shipped one with the same name.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from seshat.errors import ProfileError
from seshat.paths import search_dirs
from seshat.yamlio import load_yaml_with_lines

Device = Literal["cpu", "rocm", "cuda"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Memory(_Strict):
    """Memory of the machine, in GB (10^9 bytes)."""

    total_gb: float = Field(gt=0, description="Installed memory (unified memory counts once).")
    usable_gb: float = Field(gt=0, description="What one training process may use on the device.")
    safety_margin: float = Field(
        default=0.1, ge=0, lt=1, description="Fraction kept free by the planner."
    )


class Defaults(_Strict):
    """Values used for 'auto' settings until the memory planner decides (see `seshat plan`)."""

    sequence_len: int = Field(ge=16, description="Tokens per example.")
    micro_batch_size: int = Field(ge=1, description="Examples per device step.")
    gradient_accumulation_steps: int = Field(ge=1, description="Micro-batches per optimizer step.")
    gradient_checkpointing: bool = Field(description="Recompute activations to save memory.")


class Cloud(_Strict):
    """What to rent for a cloud profile (SkyPilot resources)."""

    accelerators: str = Field(description="SkyPilot accelerator spec, e.g. 'A100-80GB:1'.")
    clouds: list[str] = Field(default_factory=list, description="Allowed clouds, empty = any.")
    disk_size_gb: int = Field(default=256, ge=32, description="Disk per node.")
    use_spot: bool = Field(default=False, description="Use spot/preemptible instances.")
    num_nodes: int = Field(default=1, ge=1, description="Nodes.")


# the families of variables a profile may set without a reason (device, threads, allocators)
ALLOWED_ENV = (
    "HSA_*",
    "ROCBLAS_*",
    "HIPBLASLT_*",
    "HIP_*",
    "ROC*",
    "AMD_*",
    "MIOPEN_*",
    "TORCH_*",
    "PYTORCH_*",
    "CUDA_*",
    "NCCL_*",
    "NVIDIA_*",
    "OMP_*",
    "MKL_*",
    "OPENBLAS_*",
    "KMP_*",
    "TOKENIZERS_PARALLELISM",
    "ACCELERATE_*",
    "FORCE_TORCHRUN",
    "NPROC_PER_NODE",
    "BITSANDBYTES_*",
    "BNB_*",
    "TRITON_*",
    "GPU_*",
)
# never: what loads code, moves data or changes tracking, whatever the reason
FORBIDDEN_ENV = (
    "LD_*",
    "DYLD_*",
    "PYTHON*",
    "WANDB_*",
    "*PROXY*",
    "*_TOKEN",
    "*_KEY",
    "*SECRET*",
    "HF_*",
    "HUGGINGFACE_*",
    "PATH",
    "HOME",
    "SSL_*",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "GIT_*",
    "PIP_*",
    "SESHAT_*",
)


class Profile(_Strict):
    """One concrete hardware profile."""

    name: str = Field(description="Profile name (the file stem).")
    description: str = Field(description="One line for `seshat profiles list`.")
    device: Device = Field(description="cpu | rocm | cuda.")
    num_devices: int = Field(default=1, ge=1, description="Accelerators used by one run.")
    memory: Memory
    precision: Literal["bf16", "fp16", "fp32"] = Field(description="Training precision.")
    supports_4bit: bool = Field(description="Whether bitsandbytes 4-bit (QLoRA) works here.")
    attention: Literal["sdpa", "eager", "flash_attention_2"] = Field(
        description="Attention implementation."
    )
    torch_flavour: Device = Field(description="Which torch build the backend env needs.")
    launcher: Literal["python", "accelerate", "torchrun", "deepspeed"] = Field(
        description="How the backend is launched (single device: python)."
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment for the backend: the device and thread settings Seshat documents "
        "(HSA_*, ROCBLAS_*, HIP_*, ROC*, TORCH_*, PYTORCH_*, CUDA_*, NCCL_*, OMP_*, MKL_*, "
        "TOKENIZERS_PARALLELISM...); any other variable needs a reason in env_reasons.",
    )
    env_reasons: dict[str, str] = Field(
        default_factory=dict,
        description="Why a variable outside the documented families is set: {NAME: 'who, why'}. "
        "Never loader, Python-path, tracking or proxy variables.",
    )
    defaults: Defaults
    cloud: Cloud | None = Field(default=None, description="Resources to rent (cloud profiles).")
    notes: list[str] = Field(default_factory=list, description="What a user should know.")

    @model_validator(mode="after")
    def _documented_env(self) -> Profile:
        for name in self.env:
            if any(fnmatch.fnmatchcase(name.upper(), pattern) for pattern in FORBIDDEN_ENV):
                raise ValueError(
                    f"env sets {name}, which can load code, move data or change tracking "
                    "(loader, Python path, W&B, proxies, tokens); a profile never sets it"
                )
            documented = any(fnmatch.fnmatchcase(name, pattern) for pattern in ALLOWED_ENV)
            if not documented and len(self.env_reasons.get(name, "").strip()) < 8:
                raise ValueError(
                    f"env sets {name}, which is not one of the device and thread settings a "
                    f"profile documents; give the reason in env_reasons: {{{name}: 'who, why'}}"
                )
        return self


class AliasProfile(_Strict):
    """A name that picks a concrete profile by the device the backend env's torch sees."""

    name: str
    description: str
    alias: dict[Device, str] = Field(
        description="Device -> concrete profile name; 'cpu' is the fallback."
    )


@dataclass(frozen=True)
class Resolved:
    """A resolved profile and why it was chosen."""

    profile: Profile
    requested: str
    reason: str | None = None
    path: Path | None = None


def profile_dirs(project_dir: Path | None) -> list[Path]:
    """Folders searched for profiles, highest priority first: the project's, then the shipped ones."""
    return search_dirs("profiles", project_dir)


def available(project_dir: Path | None) -> dict[str, Path]:
    """Map each profile name to the file that wins (project over shipped)."""
    found: dict[str, Path] = {}
    for folder in reversed(profile_dirs(project_dir)):
        for path in sorted(folder.glob("*.yaml")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def load_file(path: Path) -> Profile | AliasProfile:
    """Load and validate one profile file.

    Raises:
        ProfileError: The file is not a valid profile, with the key path and line.
    """
    data, lines = load_yaml_with_lines(path)
    if not isinstance(data, dict):
        raise ProfileError(
            f"{path}: a profile must be a mapping of keys.",
            "compare with `seshat profiles show strix-halo-cpu`",
        )
    data.setdefault("name", path.stem)
    model: type[BaseModel] = AliasProfile if "alias" in data else Profile
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as exc:
        from seshat.config.loader import format_validation_error

        raise ProfileError(
            format_validation_error(exc, path, lines, data).replace(
                "is not a valid Seshat project config", "is not a valid hardware profile"
            ),
            f"compare with a shipped one: `seshat profiles cp strix-halo-cpu {path.stem}`",
        ) from None


def resolve(name: str, project_dir: Path | None, backend_python: Path | None = None) -> Resolved:
    """Find a profile by name, following an alias to the concrete profile for this machine.

    Args:
        name: Profile name, e.g. ``strix-halo`` or ``cloud-a100-80b``.
        project_dir: The project folder (its ``profiles/`` wins over shipped ones), or None.
        backend_python: The backend env's Python, used to ask torch which device it sees.

    Returns:
        The concrete profile and, for an alias, the reason for the choice.

    Raises:
        ProfileError: Unknown name (listing the known ones) or invalid file.
    """
    known = available(project_dir)
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, list(known), n=1)
        guess = f" Did you mean {close[0]!r}?" if close else ""
        raise ProfileError(
            f"Unknown hardware profile {name!r}.{guess} Known profiles: {', '.join(known)}.",
            "pick one with `profile=NAME`, or make your own with "
            f"`seshat profiles cp {close[0] if close else 'strix-halo-cpu'} {name}`",
        )
    loaded = load_file(known[name])
    if isinstance(loaded, Profile):
        return Resolved(profile=loaded, requested=name, path=known[name])
    device, why = detect_device(backend_python)
    target = loaded.alias.get(device) or loaded.alias.get("cpu")
    if target is None:
        raise ProfileError(
            f"Alias profile {name!r} has no entry for device {device!r} and no 'cpu' fallback."
        )
    if target == name:
        raise ProfileError(f"Alias profile {name!r} points at itself.")
    inner = resolve(target, project_dir, backend_python)
    reason = f"'{name}' -> '{inner.profile.name}': {why}"
    return Resolved(profile=inner.profile, requested=name, reason=reason, path=inner.path)


_PROBE = (
    "import json, torch;"
    "hip = getattr(torch.version, 'hip', None);"
    "ok = torch.cuda.is_available();"
    "print(json.dumps({'hip': hip, 'cuda': torch.version.cuda, 'available': ok,"
    " 'name': torch.cuda.get_device_name(0) if ok else None}))"
)


def detect_device(backend_python: Path | None) -> tuple[Device, str]:
    """Ask the backend env's torch which accelerator it sees.

    ``SESHAT_DEVICE=cpu|rocm|cuda`` forces the answer (for tests and unusual setups).

    Returns:
        The device kind and a sentence saying why.
    """
    forced = os.environ.get("SESHAT_DEVICE")
    if forced in {"cpu", "rocm", "cuda"}:
        return forced, f"SESHAT_DEVICE={forced} is set"  # type: ignore[return-value]
    if backend_python is None or not Path(backend_python).exists():
        return "cpu", (
            "no backend environment is installed yet, so no ROCm/CUDA torch could be asked; "
            "install one with `seshat backend install axolotl --device rocm` to use the GPU"
        )
    return _ask_torch(Path(backend_python))


_DEVICE_NODES = ("/dev/kfd", "/dev/dri", "/dev/nvidiactl", "/dev/nvidia0")


def _ask_torch(python: Path) -> tuple[Device, str]:
    """Run the probe in the env; cache the answer next to the env until the device nodes change."""
    import json
    import subprocess

    fingerprint = [os.path.exists(node) for node in _DEVICE_NODES]
    cache = python.parent.parent / "device.json"
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("fingerprint") == fingerprint:
            return cached["device"], cached["reason"] + " (cached; SESHAT_DEVICE=... overrides)"
    except (OSError, ValueError, KeyError):
        pass
    try:
        done = subprocess.run(
            [str(python), "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True
        )
        info = json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError) as exc:
        return "cpu", f"asking the backend env's torch for a GPU failed ({exc}); using the CPU"
    device: Device
    if info.get("available") and info.get("hip"):
        device, reason = (
            "rocm",
            f"the backend env's ROCm torch {info['hip']} sees {info.get('name')}",
        )
    elif info.get("available"):
        device, reason = (
            "cuda",
            f"the backend env's CUDA torch {info.get('cuda')} sees {info.get('name')}",
        )
    else:
        flavour = (
            f"ROCm {info['hip']}"
            if info.get("hip")
            else ("CUDA" if info.get("cuda") else "CPU-only")
        )
        device, reason = "cpu", f"the backend env's torch ({flavour} build) sees no GPU"
    from seshat.yamlio import atomic_write_text

    try:
        payload = {"device": device, "reason": reason, "fingerprint": fingerprint}
        atomic_write_text(cache, json.dumps(payload) + "\n")
    except OSError:
        pass  # a read-only env still works, only slower
    return device, reason


def copy_profile(name: str, dest: Path, project_dir: Path | None) -> Path:
    """Copy a profile file so it can be edited (like ``tune cp``).

    Args:
        name: An existing profile name.
        dest: A new name, a folder, or a ``.yaml`` path. A bare name lands in the project's
            ``profiles/`` so that it overrides or extends the shipped ones.
        project_dir: The project folder, or None for the current folder.

    Returns:
        The written file.

    Raises:
        ProfileError: Unknown source profile or the destination exists.
    """
    known = available(project_dir)
    if name not in known:
        resolve(name, project_dir)  # raises with the list of known names
    dest = Path(dest)
    if dest.suffix not in {".yaml", ".yml"}:
        if dest.is_dir():
            dest = dest / f"{name}.yaml"
        else:
            dest = (project_dir or Path.cwd()) / "profiles" / f"{dest.name}.yaml"
    if dest.exists():
        raise ProfileError(
            f"{dest} already exists; not overwriting it.",
            "pick another name or delete the file first",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    text = known[name].read_text(encoding="utf-8")
    if dest.stem != name:
        text = text.replace(f"name: {name}\n", f"name: {dest.stem}\n", 1)
    from seshat.yamlio import atomic_write_text

    atomic_write_text(dest, text)
    shutil.copymode(known[name], dest)
    return dest
