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
from seshat.kinds import FLAVOUR_DEVICE, Flavour
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
    num_nodes: int = Field(default=1, ge=1, description="Nodes (each with num_devices GPUs).")


class Speedups(_Strict):
    """Throughput features the trainers offer; the plan turns each on where it fits.

    Each is rendered only where the trainer offers it and the model, method, precision and the
    trainer env allow it (``seshat plan`` says why for each); the memory plan accounts for it.
    """

    sample_packing: bool = Field(
        default=False,
        description="Several short examples per row instead of padding: Axolotl sample_packing, "
        "LLaMA-Factory packing + neat_packing (no attention across examples).",
    )
    liger_kernel: bool = Field(
        default=False,
        description="Liger's fused Triton kernels (RMSNorm, SwiGLU, RoPE, linear + cross-entropy "
        "without the full logits): Axolotl's LigerPlugin, LLaMA-Factory's enable_liger_kernel.",
    )
    lora_kernels: bool = Field(
        default=False, description="Axolotl's fused LoRA MLP/QKV/O kernels (Triton, CUDA only)."
    )
    flash_attention: bool = Field(
        default=False,
        description="FlashAttention 2 when flash-attn is installed in the trainer env (CUDA, "
        "16-bit); otherwise the profile's attention.",
    )
    unsloth: bool = Field(
        default=False,
        description="LLaMA-Factory's use_unsloth when unsloth is installed in the trainer env "
        "(one GPU, LoRA or QLoRA).",
    )


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
    no_4bit_reason: str | None = Field(
        default=None,
        description="Why 4-bit is refused here (shown when QLoRA is asked), and what would allow it.",
    )
    attention: Literal["sdpa", "eager", "flash_attention_2"] = Field(
        description="Attention implementation."
    )
    torch_flavour: Flavour = Field(
        description="Which torch build the backend env needs (`seshat backend install NAME "
        "--device FLAVOUR`): cpu, rocm, rocm-gfx1151 or cuda."
    )
    launcher: Literal["python", "accelerate", "torchrun", "deepspeed"] = Field(
        description="How the backend is launched (single device: python)."
    )
    speedups: Speedups = Field(
        default_factory=Speedups, description="Throughput features to use where they fit."
    )
    sharding: Literal["none", "zero3"] = Field(
        default="none",
        description="How several GPUs share the model: none (one GPU) or zero3 (DeepSpeed ZeRO-3 "
        "shards weights, gradients and optimizer state over every GPU of the run).",
    )
    eval_in_training: bool = Field(
        default=True,
        description="Measure dev loss inside the training process; false: a separate pass after "
        "training (where evaluating in-process is unsafe).",
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

    @property
    def world_size(self) -> int:
        """GPUs (or processes) one run uses across all its nodes."""
        return self.num_devices * (self.cloud.num_nodes if self.cloud else 1)

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if FLAVOUR_DEVICE[self.torch_flavour] != self.device:
            raise ValueError(
                f"torch_flavour {self.torch_flavour.value} runs on {FLAVOUR_DEVICE[self.torch_flavour]}, "
                f"not on device {self.device}"
            )
        if self.torch_flavour is Flavour.rocm_gfx1151 and "HSA_OVERRIDE_GFX_VERSION" in self.env:
            raise ValueError(
                "env sets HSA_OVERRIDE_GFX_VERSION, which breaks torch built for gfx1151 "
                "(torch_flavour rocm-gfx1151); the override is for wheels without gfx1151 kernels "
                "(torch_flavour rocm)"
            )
        for name in ("lora_kernels", "flash_attention"):
            if getattr(self.speedups, name) and self.device != "cuda":
                raise ValueError(
                    f"speedups.{name} needs CUDA; this profile's device is {self.device}"
                )
        if self.sharding == "zero3" and self.world_size < 2:
            raise ValueError(
                "sharding zero3 needs more than one GPU (num_devices x cloud.num_nodes)"
            )
        if self.sharding == "zero3" and self.speedups.unsloth:
            raise ValueError(
                "speedups.unsloth does not work with DeepSpeed ZeRO-3 (LLaMA-Factory refuses it)"
            )
        return self

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
    alias: dict[Flavour, str] = Field(
        description="Torch build -> concrete profile name (rocm-gfx1151, rocm, cuda, cpu); the "
        "build of the trainer env that sees the GPU picks, its device next, 'cpu' is the fallback."
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
    flavour, why = detect_flavour(backend_python)
    device = FLAVOUR_DEVICE[flavour]
    target = loaded.alias.get(flavour) or loaded.alias.get(device) or loaded.alias.get("cpu")
    if target is None:
        raise ProfileError(
            f"Alias profile {name!r} has no entry for {flavour!r} and no 'cpu' fallback."
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


def detect_flavour(backend_python: Path | None) -> tuple[str, str]:
    """The torch build that sees the GPU: the trainer env's own (``rocm-gfx1151``...), else cpu.

    ``SESHAT_DEVICE`` may name a build (``rocm-gfx1151``) or a device (``rocm``).

    Returns:
        The flavour and a sentence saying why.
    """
    forced = os.environ.get("SESHAT_DEVICE")
    if forced in FLAVOUR_DEVICE:
        return str(forced), f"SESHAT_DEVICE={forced} is set"
    device, why = detect_device(backend_python)
    if device == "cpu" or backend_python is None:
        return device, why
    import json

    marker = Path(backend_python).parent.parent / "seshat-env.json"
    try:
        built = str(json.loads(marker.read_text(encoding="utf-8")).get("device", ""))
    except (OSError, ValueError, AttributeError):
        built = ""
    if FLAVOUR_DEVICE.get(built) == device and built != device:
        return built, f"{why} (an env built for {built})"
    return device, why


def detect_device(backend_python: Path | None) -> tuple[Device, str]:
    """Ask the backend env's torch which accelerator it sees.

    ``SESHAT_DEVICE=cpu|rocm|cuda`` (or a torch build such as ``rocm-gfx1151``) forces the answer
    (for tests and unusual setups).

    Returns:
        The device kind and a sentence saying why.
    """
    forced = os.environ.get("SESHAT_DEVICE")
    if forced in FLAVOUR_DEVICE:
        return FLAVOUR_DEVICE[forced], f"SESHAT_DEVICE={forced} is set"  # type: ignore[return-value]
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
