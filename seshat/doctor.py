"""``seshat doctor``: what this machine has and lacks for a project, each row with its fix.

Every check reads the machine through a :class:`Probe`, so tests hand in a fake one and the rows
stay machine-independent. A row is ``ok``, ``fail`` (something the project needs is broken or
missing: the command exits non-zero), ``warn`` (works, or will be built on first use, but worth
knowing) or ``skip`` (does not apply here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seshat import machine
from seshat.paths import seshat_home

GB = 1e9
# disk a first build of each managed env takes (measured on 2 cores, CPU torch)
ENV_DISK_GB = {"axolotl": 4.5, "llamafactory": 2.5, "llamacpp": 1.0, "skypilot": 0.5}
OCR_FORMATS = ("image", "pdf")
ROCM_NATIVE_TARGET = "gfx1151"


@dataclass
class Row:
    """One check: its state, what was found, and the fix."""

    name: str
    state: str  # ok | fail | warn | skip
    detail: str
    fix: str = ""
    needed: bool = True

    @property
    def broken(self) -> bool:
        """Whether this row makes the project unable to run."""
        return self.state == "fail" and self.needed


class Probe:
    """How the doctor reads the machine (a fake one in tests)."""

    def python_version(self) -> tuple[int, int, int]:
        """This Python's version."""
        return sys.version_info[:3]

    def which(self, program: str) -> str | None:
        """The program's path on PATH, else None."""
        return shutil.which(program)

    def run(self, argv: list[str], timeout: float = 120.0) -> tuple[int, str]:
        """Run a command; (exit code, stdout and stderr). 127: could not start; 124: time-out."""
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout, check=False
            )
        except OSError as exc:
            return 127, str(exc)
        except subprocess.TimeoutExpired:
            return 124, f"no answer within {timeout:.0f} s"
        return done.returncode, (done.stdout + done.stderr).strip()

    def read(self, path: str) -> str | None:
        """A small text file's content, else None."""
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def glob(self, pattern: str) -> list[str]:
        """Paths that match an absolute glob pattern."""
        import glob

        return sorted(glob.glob(pattern))

    def environ(self) -> dict[str, str]:
        """The environment."""
        return dict(os.environ)

    def free_disk(self, path: Path) -> int:
        """Free bytes where ``path`` is (or would be)."""
        return machine.free_disk_bytes(path)

    def memory(self) -> tuple[int | None, int | None]:
        """Total and available memory in bytes."""
        return machine.memory_bytes()

    def cpu(self) -> tuple[str, list[str]]:
        """CPU model and the instruction sets that decide llama.cpp's kernels."""
        return machine.cpu_model(), machine.kernel_features()


@dataclass
class Needs:
    """What a project (or, outside one, a default setup) asks of the machine."""

    backend: str = "llamafactory"
    device: str = "cpu"
    profile: str = ""
    ocr_languages: list[str] = field(default_factory=list)
    pdf: bool = False
    wandb_mode: str = "offline"
    estimate_gb: float | None = None
    weights_gb: float | None = None
    supports_4bit: bool = False
    env: dict[str, str] = field(default_factory=dict)


def needs_of(project: Any) -> Needs:
    """What a loaded project needs: its backend, profile's device, OCR languages, plan, W&B."""
    from seshat.config.models import SourceFormat
    from seshat.configure import prepare
    from seshat.data.ingest import context_for
    from seshat.data.readers.image import languages as ocr_languages
    from seshat.errors import ConfigError

    spec = project.spec
    try:
        prepared = prepare(project)
    except ConfigError:  # no local model yet (the quickstart imports it later): no plan
        prepared = None
    profile = prepared.resolved.profile if prepared else resolve_profile(spec.profile, project.root)
    langs: list[str] = []
    for source in spec.sources:
        if source.format.value in OCR_FORMATS:
            for lang in ocr_languages(context_for(project, source)).split("+"):
                if lang not in langs:
                    langs.append(lang)
    memory = (prepared.plan.memory if prepared else None) or {}
    parts = memory.get("estimate_gb") or {}
    return Needs(
        backend=spec.backend,
        device=profile.torch_flavour,
        profile=profile.name,
        ocr_languages=langs,
        pdf=any(s.format is SourceFormat.pdf for s in spec.sources),
        wandb_mode=spec.tracking.wandb.mode,
        estimate_gb=parts.get("total"),
        weights_gb=parts.get("weights"),
        supports_4bit=profile.supports_4bit,
        env=dict(profile.env),
    )


def resolve_profile(name: str, root: Path) -> Any:
    """The concrete profile for ``name`` on this machine (an alias asks the installed env)."""
    from seshat.backends.envs import find_env
    from seshat.profiles import resolve

    env = next(
        (
            e
            for e in (
                find_env(b, d) for b in ("axolotl", "llamafactory") for d in ("rocm", "cuda", "cpu")
            )
            if e
        ),
        None,
    )
    return resolve(name, root, env.python if env else None).profile


def check_python(probe: Probe) -> Row:
    """Python 3.11 or newer."""
    version = probe.python_version()
    text = ".".join(map(str, version))
    if version >= (3, 11):
        return Row("python", "ok", f"Python {text}")
    return Row("python", "fail", f"Python {text}", "use Python 3.11 or newer (PYTHON=... ./run)")


def check_programs(probe: Probe, needs: Needs) -> list[Row]:
    """Tesseract (with the project's OCR languages), pdftoppm, espeak-ng, chromium."""
    rows = []
    ocr = bool(needs.ocr_languages)
    tesseract = probe.which("tesseract")
    if tesseract is None:
        rows.append(
            Row(
                "tesseract",
                "fail" if ocr else "warn",
                "not installed" + (" (the project has scanned pages)" if ocr else ""),
                "apt-get install tesseract-ocr "
                + " ".join(f"tesseract-ocr-{lang}" for lang in needs.ocr_languages or ["spa"]),
                needed=ocr,
            )
        )
    else:
        code, out = probe.run([tesseract, "--list-langs"], timeout=30)
        have = {line.strip() for line in out.splitlines()[1:]} if code == 0 else set()
        missing = [lang for lang in needs.ocr_languages if lang not in have]
        detail = f"languages: {', '.join(sorted(have)) or 'none'}"
        if missing:
            rows.append(
                Row(
                    "tesseract",
                    "fail",
                    f"{detail}; the project's OCR needs {', '.join(missing)}",
                    "apt-get install "
                    + " ".join(f"tesseract-ocr-{lang}" for lang in missing)
                    + " (or set options.tessdata to a folder of .traineddata files)",
                )
            )
        else:
            rows.append(Row("tesseract", "ok", detail, needed=ocr))
    for program, package, why, needed in (
        ("pdftoppm", "poppler-utils", "scanned PDFs", needs.pdf),
        ("espeak-ng", "espeak-ng", "the tests' speech", False),
        ("chromium", "chromium", "the report's and demo's browser checks", False),
    ):
        found = probe.which(program)
        rows.append(
            Row(
                program,
                "ok" if found else ("fail" if needed else "warn"),
                found or f"not installed (for {why})",
                "" if found else f"apt-get install {package}",
                needed=needed,
            )
        )
    return rows


def check_disk(probe: Probe, needs: Needs, installed: dict[str, bool]) -> Row:
    """Free disk under SESHAT_HOME for the envs still to build and a run's merge and export."""
    home = seshat_home()
    free = probe.free_disk(home) / GB
    wanted = [name for name, done in installed.items() if not done]
    envs_gb = sum(ENV_DISK_GB.get(name, 1.0) for name in wanted)
    # merged model (16-bit) + unquantized GGUF (f32 up to 4 B) + one quantized file
    export_gb = 4.5 * needs.weights_gb if needs.weights_gb else 0.0
    need = envs_gb + export_gb + 1.0
    detail = (
        f"{free:.1f} GB free at {home}; about {need:.1f} GB wanted ("
        + (f"envs to build {', '.join(wanted)}: {envs_gb:.1f} GB; " if wanted else "")
        + (f"a run's merge and export: {export_gb:.1f} GB; " if export_gb else "")
        + "1 GB to spare)"
    )
    if free >= need:
        return Row("disk", "ok", detail)
    return Row(
        "disk",
        "fail",
        detail,
        "free some space, or point SESHAT_HOME at a larger disk (`export SESHAT_HOME=/big/disk/seshat`)",
    )


def check_memory(probe: Probe, needs: Needs) -> Row:
    """The machine's memory against the plan's peak estimate."""
    total, available = probe.memory()
    if total is None:
        return Row("memory", "warn", "unknown (no /proc/meminfo)", needed=False)
    detail = f"{total / GB:.1f} GB in all, {(available or 0) / GB:.1f} GB available"
    if needs.estimate_gb is None:
        return Row("memory", "ok", detail + "; no plan to compare with")
    detail += f"; the plan's peak estimate is {needs.estimate_gb:.1f} GB"
    if needs.device != "cpu":  # on a GPU profile the plan sizes the device's memory
        return Row("memory", "ok", detail + f" on the {needs.device} device")
    if needs.estimate_gb * GB > total:
        return Row(
            "memory",
            "fail",
            detail,
            "train a smaller model (model.base=...), use training.method=qlora on a GPU profile, "
            "or a cloud profile (`seshat plan profile=cloud-a100-80b`)",
        )
    if available is not None and needs.estimate_gb * GB > available:
        return Row(
            "memory", "warn", detail + ": close other programs before training", needed=False
        )
    return Row("memory", "ok", detail)


_TORCH = (
    "import json, torch; ok = torch.cuda.is_available();"
    "print(json.dumps({'torch': torch.__version__, 'hip': getattr(torch.version, 'hip', None),"
    " 'cuda': torch.version.cuda, 'available': ok,"
    " 'name': torch.cuda.get_device_name(0) if ok else None,"
    " 'archs': torch.cuda.get_arch_list() if ok else []}))"
)


def _last_json(out: str) -> dict[str, Any] | None:
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            try:
                return dict(json.loads(line))
            except json.JSONDecodeError:
                return None
    return None


def check_env(probe: Probe, name: str, device: str) -> tuple[Row, dict[str, Any] | None]:
    """A managed env: present, importable, and the torch and device it sees."""
    from seshat.backends.envs import TOOLS, planned_env

    env = planned_env(name, device)
    label = f"{name} env ({device})"
    if not env.installed:
        size = ENV_DISK_GB.get(name, 1.0)
        return (
            Row(
                label,
                "warn",
                f"not built yet (about {size:.1f} GB; built on first use)",
                f"seshat backend install {name} --device {device}",
                needed=False,
            ),
            None,
        )
    if name in TOOLS:
        module = {"llamacpp": "llama_cpp", "skypilot": "sky"}[name]
        code, out = probe.run(
            [str(env.python), "-c", f"import {module}; print({module}.__version__)"], timeout=120
        )
        if code != 0:
            return (
                Row(
                    label, "fail", f"{module} does not import: {out[-200:]}", _rebuild(name, device)
                ),
                None,
            )
        return Row(label, "ok", f"{module} {out.splitlines()[-1]} at {env.path}"), None
    code, out = probe.run([str(env.python), "-c", _TORCH], timeout=180)
    info = _last_json(out) if code == 0 else None
    if info is None:
        return (
            Row(label, "fail", f"torch does not import: {out[-200:]}", _rebuild(name, device)),
            None,
        )
    sees = info["name"] if info["available"] else "no GPU (the CPU)"
    build = (
        f"ROCm {info['hip']}"
        if info["hip"]
        else (f"CUDA {info['cuda']}" if info["cuda"] else "CPU")
    )
    row = Row(label, "ok", f"torch {info['torch']} ({build} build) sees {sees}")
    if device != "cpu" and not info["available"]:
        row.state, row.fix = (
            "fail",
            "check the GPU driver (`rocminfo` / `nvidia-smi`) and that this user may use it",
        )
    return row, info


def _rebuild(name: str, device: str) -> str:
    return f"seshat backend install {name} --device {device} --force"


def check_runtime(probe: Probe) -> list[Row]:
    """The cached llama.cpp wheel and the runtime's smoke test (every quantization type)."""
    from seshat.backends.envs import planned_env, requirements_file
    from seshat.errors import ModelError
    from seshat.export import runtime, smoke
    from seshat.models.embedded import smollm2_gguf

    env = planned_env("llamacpp", "cpu")
    version = runtime.pinned_version(requirements_file("llamacpp", "cpu"))
    rows = []
    wheel, state = runtime.cached_wheel(env.path.name, version)
    if state == "ok":
        rows.append(Row("llama.cpp wheel", "ok", f"{wheel} (compiled for this CPU)", needed=False))
    elif state == "missing":
        rows.append(
            Row(
                "llama.cpp wheel",
                "warn",
                "not compiled yet for this CPU (10-30 min on 2 cores, once)",
                "seshat backend install llamacpp",
                needed=False,
            )
        )
    else:
        rows.append(
            Row(
                "llama.cpp wheel",
                "fail",
                f"the cached wheel {wheel} is damaged: {state}",
                f"{smoke.REBUILD} (compiles llama.cpp again, 10-30 min on 2 cores)",
            )
        )
    if not env.installed:
        return rows
    try:
        source = smollm2_gguf()
    except ModelError as exc:
        rows.append(Row("llama.cpp smoke", "fail", exc.message, exc.hint or ""))
        return rows
    model, features = probe.cpu()
    result = smoke.run_smoke(env.path, env.python, source, version)
    timings = ", ".join(
        f"{kind} {r.get('seconds', 0):.1f} s" for kind, r in result.results.items() if r["ok"]
    )
    if result.passed:
        rows.append(
            Row(
                "llama.cpp smoke",
                "ok",
                f"{', '.join(result.results)} generate {smoke.TOKENS} tokens ({timings}); "
                f"CPU {model}: {', '.join(features) or 'no AVX2'}",
            )
        )
    else:
        rows.append(
            Row(
                "llama.cpp smoke",
                "fail",
                smoke.refusal(result, env.path),
                f"{smoke.REBUILD} (10-30 min on 2 cores)",
            )
        )
    return rows


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


def check_wandb(probe: Probe, needs: Needs) -> Row:
    """W&B's mode, and a key where it is online."""
    from seshat.secrets import secret

    if needs.wandb_mode != "online":
        return Row("w&b", "ok", f"{needs.wandb_mode}: nothing is sent", needed=False)
    if probe.environ().get("WANDB_API_KEY") or secret("WANDB_API_KEY"):
        return Row("w&b", "ok", "online, WANDB_API_KEY found (logs leave this machine)")
    return Row(
        "w&b",
        "fail",
        "online, but no WANDB_API_KEY in the environment or the keyring",
        "set WANDB_API_KEY, or tracking.wandb.mode=offline",
    )


def machine_rows(probe: Probe, needs: Needs, installed: dict[str, bool]) -> list[Row]:
    """The rows that need no env: Python, system programs, disk, memory (the quickstart's first)."""
    return [
        check_python(probe),
        *check_programs(probe, needs),
        check_disk(probe, needs, installed),
        check_memory(probe, needs),
    ]


def diagnose(probe: Probe, needs: Needs, on_row: Callable[[Row], None] | None = None) -> list[Row]:
    """Every row for ``needs``, in the order a user fixes them."""
    from seshat.backends.envs import planned_env

    rows: list[Row] = []

    def add(*new: Row) -> None:
        for row in new:
            rows.append(row)
            if on_row is not None:
                on_row(row)

    names = {needs.backend: needs.device, "llamacpp": "cpu"}
    installed = {n: planned_env(n, d).installed for n, d in names.items()}
    add(*machine_rows(probe, needs, installed))
    backend_row, torch = check_env(probe, needs.backend, needs.device)
    add(backend_row)
    if needs.device == "rocm":
        add(*check_rocm(probe, needs, torch))
    if needs.device != "cpu":
        env = planned_env(needs.backend, needs.device)
        add(check_bitsandbytes(probe, env.python if env.installed else None, needs))
    add(check_env(probe, "llamacpp", "cpu")[0])
    add(*check_runtime(probe))
    add(check_wandb(probe, needs))
    return rows


def to_json(rows: list[Row]) -> str:
    """The rows as JSON (``seshat doctor --json``)."""
    return json.dumps(
        {"ok": not any(r.broken for r in rows), "rows": [asdict(r) for r in rows]}, indent=2
    )


def require(rows: list[Row], what: str) -> None:
    """Stop before ``what`` when a row the project needs is broken, with each fix.

    Raises:
        MachineError: One paragraph naming each broken row and its fix.
    """
    from seshat.errors import MachineError

    broken = [r for r in rows if r.broken]
    if broken:
        found = "; ".join(f"{r.name}: {r.detail} (fix: {r.fix})" for r in broken)
        raise MachineError(
            f"This machine cannot run {what}: {found}.",
            "apply the fixes above, then run `seshat doctor` to check and start again",
        )
