"""Spec x profile -> plan -> rendered backend config -> checks. Shared by render, check and train."""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from seshat.backends.base import CONFIG_FILE, Backend, Rendered
from seshat.backends.registry import get_backend
from seshat.backends.schema import Problem
from seshat.config.loader import LoadedProject
from seshat.errors import ConfigError
from seshat.machine import machine_facts
from seshat.plan.make import Plan, Trainer, make_plan
from seshat.profiles import Resolved, resolve

if TYPE_CHECKING:
    from seshat.envs.managed import ManagedEnv

RENDER_DIR = Path(".seshat") / "render"


@dataclass(frozen=True)
class Prepared:
    """Everything needed to render: the project, its backend, the resolved profile and the plan."""

    project: LoadedProject
    backend: Backend
    resolved: Resolved
    plan: Plan

    @property
    def label(self) -> str:
        """``<backend>-<profile>``, used for render folders."""
        return f"{self.backend.name}-{self.resolved.profile.name}"


@dataclass
class CheckReport:
    """Result of ``seshat check``: strict problems, the backend validator's verdict, timings."""

    strict: list[Problem] = field(default_factory=list)
    strict_seconds: float = 0.0
    snapshot: str = ""
    backend_errors: list[str] | None = None
    backend_seconds: float | None = None
    backend_notes: list[str] = field(default_factory=list)


def prepare(project: LoadedProject) -> Prepared:
    """Resolve backend, profile and plan for a loaded project.

    Args:
        project: The validated project (overrides already applied).

    Raises:
        ConfigError: A local base model path that does not exist.
        ProfileError: Unknown profile.
    """
    spec = project.spec
    backend = get_backend(spec.backend)
    local = spec.model.local_path(project.root)
    if local is not None and not local.is_dir():
        raise ConfigError(
            f"model.base is {spec.model.base!r}, a local path, but {local} does not exist "
            f"(in {project.path}).",
            "fix the path, put a Hugging Face model folder there (config.json + weights + tokenizer), "
            "or use a hub id such as 'Qwen/Qwen3-14B'",
        )
    resolved = resolve(spec.profile, project.root, trainer_python(backend.name))
    trainer = Trainer(
        offered=backend.speedups,
        excludes=backend.speedup_excludes,
        env_packages=env_packages(backend.name, resolved.profile.torch_flavour),
    )
    plan = make_plan(spec, resolved.profile, project.root, machine_facts(), trainer)
    return Prepared(project, backend, resolved, plan)


def env_packages(backend: str, flavour: str) -> frozenset[str] | None:
    """The packages of the installed trainer env for ``flavour`` (None: not installed here)."""
    from seshat.environments import find_env
    from seshat.plan.speedups import read_freeze

    env = find_env(backend, flavour)
    if env is None:
        return None
    try:
        return read_freeze((env.path / "freeze.txt").read_text(encoding="utf-8"))
    except OSError:
        return frozenset()


def trainer_python(backend: str) -> Path | None:
    """The Python of the trainer's installed env that an alias profile asks (GPU builds first)."""
    from seshat.environments import find_env
    from seshat.kinds import FLAVOURS_GPU_FIRST

    for device in FLAVOURS_GPU_FIRST:
        env = find_env(backend, device)
        if env is not None:
            return env.python
    return None


def render(
    prepared: Prepared, run_dir: Path | None = None, init_adapter: Path | None = None
) -> Rendered:
    """Render the backend config in memory (``run_dir`` relative to the project dir).

    ``init_adapter`` (relative to the project) starts training from an earlier run's adapter.
    """
    run_dir = run_dir if run_dir is not None else RENDER_DIR / prepared.label
    recipe = prepared.project.spec.training.recipe
    return prepared.backend.render(
        prepared.project, prepared.plan, prepared.resolved.profile, run_dir, recipe, init_adapter
    )


def validator_env(prepared: Prepared) -> ManagedEnv | None:
    """The installed env whose validator and schema snapshot check this config.

    The CPU env validates configs for any device (hardware questions are answered as on the
    target); the profile's own flavour is used when only that one is installed.
    """
    from seshat.environments import find_env

    name = prepared.backend.name
    return find_env(name, "cpu") or find_env(name, prepared.resolved.profile.torch_flavour)


def write_render(
    prepared: Prepared, rendered: Rendered, run_dir: Path | None = None
) -> tuple[Path, str | None]:
    """Write a render into the project; return its path and a diff against the previous render.

    The diff is None for a first render and empty when nothing changed.
    """
    folder = prepared.project.root / (run_dir or RENDER_DIR / prepared.label)
    path = folder / CONFIG_FILE
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    rendered.write(folder)
    plan = {
        "profile": prepared.resolved.profile.name,
        "profile_reason": prepared.resolved.reason,
        **prepared.plan.to_dict(),
    }
    from seshat.yamlio import atomic_write_text

    atomic_write_text(folder / "plan.json", json.dumps(plan, indent=2, sort_keys=True) + "\n")
    diff = None
    if old is not None:
        diff = "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                rendered.yaml_text.splitlines(keepends=True),
                fromfile=f"{path.name} (previous)",
                tofile=f"{path.name} (new)",
            )
        )
    return path, diff


def strict_check(prepared: Prepared, rendered: Rendered, report: CheckReport) -> None:
    """Fill ``report`` with the snapshot check (no backend import)."""
    start = time.perf_counter()
    env = validator_env(prepared)
    snapshot = prepared.backend.snapshot(env.path if env else None)
    report.strict = prepared.backend.strict_check(rendered, prepared.resolved.profile, snapshot)
    report.snapshot = f"{snapshot.backend} {snapshot.version} ({snapshot.source})"
    report.strict_seconds = time.perf_counter() - start


def backend_check(prepared: Prepared, config_path: Path, report: CheckReport) -> None:
    """Fill ``report`` with the backend's own validator, run inside its env on the written config.

    Raises:
        BackendEnvError: The backend env is not installed (names the install command).
    """
    from seshat.environments import require_env

    backend = prepared.backend.name
    env = validator_env(prepared)
    if env is None:
        require_env(backend, "cpu", "`seshat check --strict-only` to check without the backend")
        return
    start = time.perf_counter()
    results = run_validator(
        env.python,
        backend,
        [config_path],
        prepared.resolved.profile.device,
        prepared.backend.run_env(prepared.project, prepared.resolved.profile),
        config_path.parent / "check.log",
        prepared.project.root,
    )
    report.backend_seconds = time.perf_counter() - start
    result = results[config_path.resolve()]
    report.backend_errors = result["errors"]
    report.backend_notes = result.get("notes", [])


def run_validator(
    python: Path,
    backend: str,
    configs: list[Path],
    target_device: str,
    env: dict[str, str],
    log_path: Path,
    cwd: Path,
) -> dict[Path, dict]:
    """Run the backend's own validator on ``configs`` in one process of its env.

    Args:
        python: The backend env's Python.
        backend: Backend name.
        configs: Rendered config files.
        target_device: The device the configs are meant for (hardware checks answer as it would).
        env: Environment for the process (the rendered run environment).
        log_path: Where the validator's output goes.
        cwd: Working directory (the project dir: configs use project-relative paths).

    Returns:
        For each resolved config path: ``{"ok", "errors", "notes"}``; a crash counts as an error.
    """
    from seshat.backends.base import PROBE
    from seshat.process.runner import run_logged

    paths = [c.resolve() for c in configs]
    lines: list[str] = []
    done = run_logged(
        [python, PROBE, "validate", get_backend(backend).probe_path(), *paths],
        log_path,
        env=env | {"SESHAT_TARGET_DEVICE": target_device},
        cwd=cwd,
        on_line=lambda line: lines.append(line) if line.startswith("SESHAT-PROBE ") else None,
    )
    results: dict[Path, dict] = {}
    for line in lines:
        result = json.loads(line.removeprefix("SESHAT-PROBE "))
        results[Path(result["file"])] = result
    for path in paths:
        results.setdefault(
            path,
            {
                "ok": False,
                "notes": [],
                "errors": [f"the validator crashed (exit code {done.returncode}); see {log_path}"],
            },
        )
    return results
