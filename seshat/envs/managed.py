"""Managed environments: one venv per trainer or tool x device, built from pinned requirements.

Axolotl and LLaMA-Factory pin conflicting versions of transformers, peft and datasets, so each
lives in its own venv under ``$SESHAT_HOME/envs/<name>-<device>-<key>/``; so do the tools
(llama.cpp's runtime, SkyPilot). The key is a hash of the requirement files (and the Python
version; for a natively compiled env, the CPU), so an env is built once and reused until its pins
change. An env counts as installed only once its marker file ``seshat-env.json`` exists: the
marker is written last, and a folder without it is a failed build that the next install replaces.

This module knows no env by name: a :class:`Recipe` says where an env's requirement files are
and what to do before and after pip (``seshat.environments`` holds the list of recipes).
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seshat.errors import BackendEnvError
from seshat.kinds import Flavour
from seshat.machine import cpu_identity
from seshat.paths import seshat_home
from seshat.process.runner import run_logged
from seshat.stamps import utc_now
from seshat.yamlio import atomic_write_text

# the torch builds an env can be made for (seshat.kinds.Flavour): cpu, rocm, rocm-gfx1151, cuda
DEVICES = tuple(f.value for f in Flavour)
MARKER = "seshat-env.json"

# runs one logged build step: step(name, argv, extra_env)
Step = Callable[..., None]


@dataclass(frozen=True)
class ManagedEnv:
    """An installed (or planned) managed environment."""

    name: str
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


@dataclass(frozen=True)
class Recipe:
    """How one env is built.

    Attributes:
        name: The env's name (``axolotl``, ``llamacpp``...).
        purpose: One line for listings.
        requirements_dir: Holds ``<name>-<device>.txt`` for each device the env is built for.
        trainer: A training backend (its marker records its schema snapshot's versions).
        native: Compiled for this CPU (the key includes the CPU's identity).
        packages: The packages whose versions the marker records (tools).
        prepare: Before pip: ``prepare(env, requirements, step, rebuild)`` returns extra pip args.
        after_install: After pip: ``after_install(env, step)`` (fix-ups, schema snapshot).
        check: After a build (``force=True``) and on reuse: ``check(env, force, on_step)``
            refuses a broken env by raising.
    """

    name: str
    purpose: str
    requirements_dir: Path
    trainer: bool = False
    native: bool = False
    packages: tuple[str, ...] = ()
    prepare: Callable[..., list[str]] | None = field(default=None, compare=False)
    after_install: Callable[..., None] | None = field(default=None, compare=False)
    check: Callable[..., None] | None = field(default=None, compare=False)

    def requirements(self, device: str) -> Path:
        """The shipped requirement file for ``device``."""
        return self.requirements_dir / f"{self.name}-{device}.txt"


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


def planned_env(recipe: Recipe, device: str, requirements: Path | None = None) -> ManagedEnv:
    """The env that the current requirement files call for (installed or not).

    Raises:
        BackendEnvError: Unknown device, or no requirement file.
    """
    if device not in DEVICES:
        raise BackendEnvError(f"Unknown device {device!r}; known: {', '.join(DEVICES)}.")
    req = Path(requirements) if requirements else recipe.requirements(device)
    if not req.is_file():
        raise BackendEnvError(
            f"No requirement file {req} for the {recipe.name} env on {device}.",
            "pass an existing file with --requirements",
        )
    key = env_key(req, cpu_identity() if recipe.native and device == "cpu" else "")
    path = seshat_home() / "envs" / f"{recipe.name}-{device}-{key}"
    info: dict[str, Any] = {}
    if (path / MARKER).is_file():
        info = json.loads((path / MARKER).read_text(encoding="utf-8"))
    return ManagedEnv(name=recipe.name, device=device, path=path, key=key, info=info)


def installed_envs() -> list[ManagedEnv]:
    """Every finished env under ``$SESHAT_HOME/envs`` (current or outdated pins)."""
    found = []
    root = seshat_home() / "envs"
    for marker in sorted(root.glob(f"*/{MARKER}")):
        info = json.loads(marker.read_text(encoding="utf-8"))
        found.append(ManagedEnv(info["backend"], info["device"], marker.parent, info["key"], info))
    return found


def activated(env_dir: Path, environ: dict[str, str]) -> dict[str, str]:
    """``environ`` as if the venv were activated: its ``bin/`` first on PATH, VIRTUAL_ENV set.

    Trainers start helpers by name (Axolotl's ``accelerate``/``torchrun`` launchers on several
    devices), which must resolve inside the trainer's own venv.
    """
    path = environ.get("PATH", os.defpath)
    return environ | {"PATH": f"{env_dir / 'bin'}{os.pathsep}{path}", "VIRTUAL_ENV": str(env_dir)}


def build(
    recipe: Recipe,
    device: str,
    *,
    requirements: Path | None = None,
    force: bool = False,
    rebuild: bool = False,
    on_line: Callable[[str], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> tuple[ManagedEnv, bool]:
    """Build (or reuse) the venv of ``recipe`` for ``device``.

    Args:
        recipe: What to build.
        device: ``cpu``, ``rocm`` or ``cuda``.
        requirements: A requirement file to use instead of the shipped one.
        force: Rebuild even if an env with the same key exists.
        rebuild: Also redo what ``prepare`` caches (a compiled wheel); implies ``force``.
        on_line: Receives every line of pip's output (progress display).
        on_step: Receives the name of each build step as it starts.

    Returns:
        The env and whether it was built now (False: reused from the cache).

    Raises:
        BackendEnvError: A step failed (the message names the step, the log file and its tail),
            or the recipe's check refuses the env.
    """
    env = planned_env(recipe, device, requirements)
    force = force or rebuild
    if env.installed and not force:
        if recipe.check is not None:
            recipe.check(env, False, on_step)
        return env, False
    if env.path.exists():
        shutil.rmtree(env.path)  # a failed or forced earlier build
    env.path.mkdir(parents=True)
    log_path = env.path / "install.log"
    req = Path(requirements) if requirements else recipe.requirements(device)
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
                f"Building the {recipe.name} env failed at step '{name}' (exit code "
                f"{done.returncode}). Full log: {log_path}. Last lines:\n    {tail}\n",
                "fix the cause above, then run "
                f"`seshat backend install {recipe.name} --device {device} --force`",
            )

    step("create venv", [sys.executable, "-m", "venv", env.path])
    pip: list[str | Path] = [env.python, "-m", "pip", "install", "--progress-bar", "off"]
    if recipe.prepare is not None:
        pip += recipe.prepare(env, req, step, rebuild)
    if install_mode(req) == "lock":
        step("install pinned packages", [*pip, "--no-deps", "-r", req])
    else:
        step("resolve and install packages", [*pip, "-r", req])
    if recipe.after_install is not None:
        recipe.after_install(env, step)
    freeze = subprocess.run(
        [env.python, "-m", "pip", "freeze", "--all"], capture_output=True, text=True, check=False
    )
    atomic_write_text(env.path / "freeze.txt", freeze.stdout)
    if recipe.check is not None:
        recipe.check(env, True, on_step)  # a broken env is refused: no marker
    snapshot = env.path / "schema.json"
    versions = (
        json.loads(snapshot.read_text(encoding="utf-8")).get("versions", {})
        if recipe.trainer and snapshot.is_file()
        else _pinned_versions(freeze.stdout, recipe.packages)
    )
    info = {
        "backend": recipe.name,
        "device": device,
        "key": env.key,
        "requirements": str(req),
        "mode": install_mode(req),
        "versions": versions,
        "python": platform.python_version(),
        "built_at": utc_now(),
        "build_seconds": round(time.time() - started, 1),
    }
    atomic_write_text(env.path / MARKER, json.dumps(info, indent=2, sort_keys=True) + "\n")
    return planned_env(recipe, device, requirements), True


def _pinned_versions(freeze: str, names: tuple[str, ...]) -> dict[str, str]:
    """``{name: version}`` of ``names`` in ``pip freeze`` output (``-`` and ``_`` alike)."""
    found = {}
    for line in freeze.splitlines():
        name, _, version = line.partition("==")
        if name.replace("-", "_").lower() in names:
            found[name] = version
    return found
