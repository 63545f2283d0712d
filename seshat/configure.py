"""Spec x profile -> plan -> rendered backend config -> checks. Shared by render, check and train."""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from seshat.backends import get_backend
from seshat.backends.base import CONFIG_FILE, Backend, Rendered
from seshat.backends.schema import Problem
from seshat.config.loader import LoadedProject
from seshat.errors import ConfigError
from seshat.plan import Plan, make_plan
from seshat.profiles import Resolved, resolve

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

    @property
    def ok(self) -> bool:
        """No problem found by any check that ran."""
        return not self.strict and not self.backend_errors


def prepare(project: LoadedProject, *, require_model: bool = True) -> Prepared:
    """Resolve backend, profile and plan for a loaded project.

    Args:
        project: The validated project (overrides already applied).
        require_model: Fail when ``model.base`` names a local folder that does not exist.

    Raises:
        ConfigError: A local base model path that does not exist.
        ProfileError: Unknown profile.
    """
    spec = project.spec
    backend = get_backend(spec.backend)
    local = spec.model.local_path(project.root)
    if require_model and local is not None and not local.is_dir():
        raise ConfigError(
            f"model.base is {spec.model.base!r}, a local path, but {local} does not exist "
            f"(in {project.path}).",
            "fix the path, put a Hugging Face model folder there (config.json + weights + tokenizer), "
            "or use a hub id such as 'Qwen/Qwen3-14B'",
        )
    from seshat.backends.envs import find_env

    python = None
    for device in ("rocm", "cuda", "cpu"):
        env = find_env(backend.name, device)
        if env is not None:
            python = env.python
            break
    resolved = resolve(spec.profile, project.root, python)
    return Prepared(project, backend, resolved, make_plan(spec, resolved.profile))


def render(prepared: Prepared, run_dir: Path | None = None) -> Rendered:
    """Render the backend config in memory (``run_dir`` relative to the project dir)."""
    run_dir = run_dir if run_dir is not None else RENDER_DIR / prepared.label
    recipe = "sft"
    return prepared.backend.render(
        prepared.project, prepared.plan, prepared.resolved.profile, run_dir, recipe
    )


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
    plan = {"profile": prepared.resolved.profile.name, "profile_reason": prepared.resolved.reason,
            **prepared.plan.to_dict()}
    from seshat.yamlio import atomic_write_text

    atomic_write_text(folder / "plan.json", json.dumps(plan, indent=2, sort_keys=True) + "\n")
    diff = None
    if old is not None:
        diff = "".join(difflib.unified_diff(
            old.splitlines(keepends=True), rendered.yaml_text.splitlines(keepends=True),
            fromfile=f"{path.name} (previous)", tofile=f"{path.name} (new)",
        ))
    return path, diff


def strict_check(prepared: Prepared, rendered: Rendered, report: CheckReport) -> None:
    """Fill ``report`` with the snapshot check (no backend import)."""
    from seshat.backends.envs import find_env

    start = time.perf_counter()
    env = find_env(prepared.backend.name, prepared.resolved.profile.torch_flavour)
    snapshot = prepared.backend.snapshot(env.path if env else None)
    report.strict = prepared.backend.strict_check(rendered, prepared.resolved.profile, snapshot)
    report.snapshot = f"{snapshot.backend} {snapshot.version} ({snapshot.source})"
    report.strict_seconds = time.perf_counter() - start


def backend_check(prepared: Prepared, config_path: Path, report: CheckReport) -> None:
    """Fill ``report`` with the backend's own validator, run inside its env on the written config."""
    from seshat.backends.envs import PROBE, find_env
    from seshat.runs.process import run_logged

    backend = prepared.backend.name
    env = find_env(backend, "cpu") or find_env(backend, prepared.resolved.profile.torch_flavour)
    if env is None:
        from seshat.backends.envs import require_env

        require_env(backend, "cpu", "`seshat check --strict-only` to check without the backend")
    start = time.perf_counter()
    rendered_env = prepared.backend.run_env(prepared.project, prepared.resolved.profile)
    done = run_logged(
        [env.python, PROBE, "validate", backend, config_path.resolve()],
        config_path.parent / "check.log",
        env=rendered_env | {"SESHAT_DEVICE": prepared.resolved.profile.device},
        cwd=prepared.project.root,
    )
    report.backend_seconds = time.perf_counter() - start
    verdict = next((line for line in reversed(done.tail) if line.startswith("SESHAT-PROBE ")), None)
    if verdict is None:
        report.backend_errors = [f"the validator crashed (exit code {done.returncode}); see {config_path.parent / 'check.log'}"]
        return
    report.backend_errors = json.loads(verdict.removeprefix("SESHAT-PROBE "))["errors"]
