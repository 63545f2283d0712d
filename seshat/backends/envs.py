"""Managed environments: one venv per backend (or tool) x device, built from pinned requirements.

Axolotl and LLaMA-Factory pin conflicting versions of transformers, peft and datasets, so each
lives in its own venv under ``$SESHAT_HOME/envs/<backend>-<device>-<key>/``. The key is a hash of
the requirement files (and the Python version), so an env is built once and reused until its pins
change. Besides the two backends there is one tool env, ``llamacpp`` (llama-cpp-python, its
server, Gradio and the GGUF converter: export, evaluation, serving and the demo). An env counts
as installed only once its marker file ``seshat-env.json`` exists: the marker is written last,
and a folder without it is a failed build that the next install replaces.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seshat.backends import get_backend
from seshat.errors import BackendEnvError
from seshat.machine import cpu_identity
from seshat.paths import PACKAGE_DIR, seshat_home
from seshat.runs.process import run_logged
from seshat.stamps import utc_now
from seshat.yamlio import atomic_write_text

DEVICES = ("cpu", "rocm", "cuda")
MARKER = "seshat-env.json"
REQUIREMENTS_DIR = PACKAGE_DIR / "backends" / "requirements"
PROBE = PACKAGE_DIR / "backends" / "probes" / "schema_probe.py"
# envs that are not training backends -> what they are for
TOOLS = {
    "llamacpp": "llama.cpp runtime: GGUF export, evaluation, serving, demo",
    "skypilot": "SkyPilot client: cloud launch (`seshat launch`)",
}
# the packages whose versions a tool env's marker records
TOOL_PACKAGES = {"llamacpp": ("llama_cpp_python", "gradio"), "skypilot": ("skypilot",)}
NATIVE = "llamacpp"  # compiled for this CPU: its env key includes the CPU's identity


@dataclass(frozen=True)
class BackendEnv:
    """An installed (or planned) backend environment."""

    backend: str
    device: str
    path: Path
    key: str
    info: dict[str, Any]

    @property
    def python(self) -> Path:
        """The env's Python interpreter."""
        return self.path / "bin" / "python"

    def bin(self, program: str) -> Path:
        """A program in the env's ``bin/``."""
        return self.path / "bin" / program

    @property
    def installed(self) -> bool:
        """Whether the build finished (its marker exists)."""
        return (self.path / MARKER).is_file()


def requirements_file(backend: str, device: str) -> Path:
    """The shipped requirement file for ``backend`` x ``device``."""
    return REQUIREMENTS_DIR / f"{backend}-{device}.txt"


def _referenced(path: Path) -> list[Path]:
    """The file plus every ``-r``/``-c`` file it names, recursively."""
    files = [path]
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in {"-r", "-c", "--requirement", "--constraint"}:
            files += _referenced((path.parent / parts[1]).resolve())
    return files


def install_mode(path: Path) -> str:
    """``lock`` (complete pinned set, installed with --no-deps) or ``resolve`` (pip resolves)."""
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    return "lock" if first and first[0].strip() == "# seshat-install: lock" else "resolve"


def env_key(requirements: Path, extra: str = "") -> str:
    """Hash of the requirement files, the install recipe version and the Python version.

    Args:
        requirements: The requirement file.
        extra: More that the build depends on (the CPU, for a natively compiled wheel).
    """
    digest = hashlib.sha256()
    digest.update(
        f"recipe-1 py{sys.version_info.major}.{sys.version_info.minor} {platform.machine()}\n".encode()
    )
    if extra:
        digest.update(extra.encode() + b"\n")
    for file in _referenced(requirements):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def planned_env(backend: str, device: str, requirements: Path | None = None) -> BackendEnv:
    """The env that the current requirement files call for (installed or not)."""
    if device not in DEVICES:
        raise BackendEnvError(f"Unknown device {device!r}; known: {', '.join(DEVICES)}.")
    if backend not in TOOLS:
        get_backend(backend)  # validates the name
    req = Path(requirements) if requirements else requirements_file(backend, device)
    if not req.is_file():
        raise BackendEnvError(
            f"No requirement file {req}.", "pass an existing file with --requirements"
        )
    key = env_key(req, cpu_identity() if backend == NATIVE and device == "cpu" else "")
    path = seshat_home() / "envs" / f"{backend}-{device}-{key}"
    info: dict[str, Any] = {}
    if (path / MARKER).is_file():
        info = json.loads((path / MARKER).read_text(encoding="utf-8"))
    return BackendEnv(backend=backend, device=device, path=path, key=key, info=info)


def installed_envs() -> list[BackendEnv]:
    """Every finished env under ``$SESHAT_HOME/envs`` (current or outdated pins)."""
    found = []
    root = seshat_home() / "envs"
    for marker in sorted(root.glob(f"*/{MARKER}")):
        info = json.loads(marker.read_text(encoding="utf-8"))
        found.append(BackendEnv(info["backend"], info["device"], marker.parent, info["key"], info))
    return found


def activated(env_dir: Path, environ: dict[str, str]) -> dict[str, str]:
    """``environ`` as if the venv were activated: its ``bin/`` first on PATH, VIRTUAL_ENV set.

    Backends start helpers by name (Axolotl's ``accelerate``/``torchrun`` launchers on several
    devices), which must resolve inside the backend's own venv.
    """
    path = environ.get("PATH", os.defpath)
    return environ | {"PATH": f"{env_dir / 'bin'}{os.pathsep}{path}", "VIRTUAL_ENV": str(env_dir)}


def find_env(backend: str, device: str) -> BackendEnv | None:
    """The installed env for ``backend`` x ``device`` with the current pins, else None."""
    env = planned_env(backend, device)
    return env if env.installed else None


def require_env(backend: str, device: str, alternative: str = "") -> BackendEnv:
    """Like :func:`find_env` but raise a clear error naming the install command.

    Args:
        backend: Backend name.
        device: Device of the env.
        alternative: Another way out to mention after the install command.

    Raises:
        BackendEnvError: Not installed (or installed with outdated pins).
    """
    env = find_env(backend, device)
    if env is not None:
        return env
    others = [e for e in installed_envs() if e.backend == backend and e.device == device]
    why = (
        f"The installed {backend} env at {others[0].path} was built from older pins. "
        if others
        else f"The {backend} backend environment for device {device} is not installed. "
    )
    raise BackendEnvError(
        why + "Seshat runs each backend in its own venv (their dependency pins conflict).",
        f"run `seshat backend install {backend} --device {device}` (a few minutes, once; cached)"
        + (f", or {alternative}" if alternative else ""),
    )


def install(
    backend: str,
    device: str,
    *,
    requirements: Path | None = None,
    force: bool = False,
    rebuild: bool = False,
    on_line: Callable[[str], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> tuple[BackendEnv, bool]:
    """Build (or reuse) the venv for ``backend`` x ``device``.

    The llama.cpp runtime is smoke-tested after it is built, and again when a reused one's
    compiled libraries or the CPU changed (:mod:`seshat.export.smoke`).

    Args:
        backend: ``axolotl`` or ``llamafactory``.
        device: ``cpu``, ``rocm`` or ``cuda``.
        requirements: A requirement file to use instead of the shipped one.
        force: Rebuild even if an env with the same key exists.
        rebuild: llamacpp only: also compile its wheel again (implies ``force``).
        on_line: Receives every line of pip's output (progress display).
        on_step: Receives the name of each build step as it starts.

    Returns:
        The env and whether it was built now (False: reused from the cache).

    Raises:
        BackendEnvError: A step failed (the message names the step, the log file and its tail),
            or the llama.cpp runtime fails its smoke test.
    """
    env = planned_env(backend, device, requirements)
    force = force or rebuild
    if env.installed and not force:
        if backend == NATIVE and device == "cpu":
            _smoke(env, on_step)
        return env, False
    if env.path.exists():
        shutil.rmtree(env.path)  # a failed or forced earlier build
    env.path.mkdir(parents=True)
    log_path = env.path / "install.log"
    req = Path(requirements) if requirements else requirements_file(backend, device)
    started = time.time()

    def step(name: str, argv: list[str | Path], extra_env: dict[str, str] | None = None) -> None:
        if on_step is not None:
            on_step(name)
        done = run_logged(
            argv,
            log_path,
            on_line=on_line,
            env={"PIP_DISABLE_PIP_VERSION_CHECK": "1"} | (extra_env or {}),
        )
        if not done.ok:
            tail = "\n    ".join(done.tail[-12:])
            raise BackendEnvError(
                f"Building the {backend} env failed at step '{name}' (exit code {done.returncode}). "
                f"Full log: {log_path}. Last lines:\n    {tail}\n",
                f"fix the cause above, then run `seshat backend install {backend} --device {device} --force`",
            )

    step("create venv", [sys.executable, "-m", "venv", env.path])
    pip: list[str | Path] = [env.python, "-m", "pip", "install", "--progress-bar", "off"]
    if backend == NATIVE:
        from seshat.export import runtime

        pip += runtime.prepare(env.path, env.python, req, step, rebuild=rebuild)
    if install_mode(req) == "lock":
        step("install pinned packages", [*pip, "--no-deps", "-r", req])
    else:
        step("resolve and install packages", [*pip, "-r", req])
    if backend not in TOOLS:
        get_backend(backend).after_install(env.path)
        step(
            "snapshot the config schema",
            [env.python, PROBE, "snapshot", backend, env.path / "schema.json"],
        )
    freeze = subprocess.run(
        [env.python, "-m", "pip", "freeze", "--all"], capture_output=True, text=True, check=False
    )
    atomic_write_text(env.path / "freeze.txt", freeze.stdout)
    if backend == NATIVE and device == "cpu":
        _smoke(env, on_step, force=True)  # a runtime that crashes is refused: no marker
    snapshot = (
        json.loads((env.path / "schema.json").read_text(encoding="utf-8"))
        if backend not in TOOLS
        else {"versions": _pinned_versions(freeze.stdout, TOOL_PACKAGES[backend])}
    )
    info = {
        "backend": backend,
        "device": device,
        "key": env.key,
        "requirements": str(req),
        "mode": install_mode(req),
        "versions": snapshot.get("versions", {}),
        "python": platform.python_version(),
        "built_at": utc_now(),
        "build_seconds": round(time.time() - started, 1),
    }
    atomic_write_text(env.path / MARKER, json.dumps(info, indent=2, sort_keys=True) + "\n")
    return planned_env(backend, device, requirements), True


def _smoke(env: BackendEnv, on_step: Callable[[str], None] | None, force: bool = False) -> None:
    """Smoke-test the llama.cpp runtime (skipped, and said, without the packaged test model)."""
    from seshat.errors import ModelError
    from seshat.export import runtime, smoke
    from seshat.models.embedded import smollm2_gguf

    try:
        source = smollm2_gguf()
    except ModelError as exc:
        if on_step is not None:
            on_step(f"smoke test skipped: {exc.message} (`seshat doctor` shows it)")
        return
    if (force or smoke.recorded(env.path) is None) and on_step is not None:
        on_step(f"smoke test: generate with {', '.join(smoke.TYPES)} GGUFs (a few seconds)")
    version = runtime.pinned_version(requirements_file(NATIVE, env.device))
    smoke.ensure(env.path, env.python, source, version, force=force)


def _pinned_versions(freeze: str, names: tuple[str, ...]) -> dict[str, str]:
    """``{name: version}`` of ``names`` in ``pip freeze`` output (``-`` and ``_`` alike)."""
    found = {}
    for line in freeze.splitlines():
        name, _, version = line.partition("==")
        if name.replace("-", "_").lower() in names:
            found[name] = version
    return found
