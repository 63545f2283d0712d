"""Every managed env by name: the trainers (plug-ins) and the tools, found, required, installed.

The machinery is in :mod:`seshat.envs.managed` and knows no names; this module joins the two
lists that name envs: the registered trainers (:mod:`seshat.plugins`) and the tools
(:mod:`seshat.envs.tools`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seshat.backends.registry import get_backend
from seshat.envs import managed
from seshat.envs.managed import ManagedEnv, Recipe, installed_envs
from seshat.envs.tools import TOOLS
from seshat.errors import BackendEnvError, ConfigError
from seshat.plugins import backend_names

__all__ = [
    "ManagedEnv",
    "find_env",
    "install",
    "installed_envs",
    "names",
    "planned_env",
    "require_env",
]


def names() -> tuple[str, ...]:
    """Every env Seshat can build: the trainers, then the tools."""
    return (*backend_names(), *TOOLS)


def recipe(name: str) -> Recipe:
    """How the env ``name`` is built.

    Raises:
        BackendEnvError: No trainer or tool of that name.
    """
    if name in TOOLS:
        return TOOLS[name]
    try:
        return get_backend(name).recipe()
    except ConfigError:
        raise BackendEnvError(
            f"Unknown env {name!r}; known: {', '.join(names())}.",
            "install one of those: `seshat backend install NAME`",
        ) from None


def requirements_file(name: str, device: str) -> Path:
    """The shipped requirement file of env ``name`` for ``device``."""
    return recipe(name).requirements(device)


def planned_env(name: str, device: str, requirements: Path | None = None) -> ManagedEnv:
    """The env that the current requirement files call for (installed or not)."""
    return managed.planned_env(recipe(name), device, requirements)


def find_env(name: str, device: str) -> ManagedEnv | None:
    """The installed env for ``name`` x ``device`` with the current pins, else None.

    None too for a device the env has no requirement file for (a trainer built for CPU only).
    """
    if not recipe(name).requirements(device).is_file():
        return None
    env = planned_env(name, device)
    return env if env.installed else None


def require_env(name: str, device: str, alternative: str = "") -> ManagedEnv:
    """Like :func:`find_env` but raise a clear error naming the install command.

    Args:
        name: Env name.
        device: Device of the env.
        alternative: Another way out to mention after the install command.

    Raises:
        BackendEnvError: Not installed (or installed with outdated pins).
    """
    env = find_env(name, device)
    if env is not None:
        return env
    others = [e for e in installed_envs() if e.name == name and e.device == device]
    why = (
        f"The installed {name} env at {others[0].path} was built from older pins. "
        if others
        else f"The {name} environment for device {device} is not installed. "
    )
    raise BackendEnvError(
        why + "Seshat runs each trainer and tool in its own venv (their dependency pins conflict).",
        f"run `seshat backend install {name} --device {device}` (a few minutes, once; cached)"
        + (f", or {alternative}" if alternative else ""),
    )


def install(name: str, device: str, **options: Any) -> tuple[ManagedEnv, bool]:
    """Build (or reuse) the env ``name`` for ``device``.

    ``options`` are :func:`seshat.envs.managed.build`'s: ``requirements``, ``force``, ``rebuild``,
    ``on_line``, ``on_step``.
    """
    return managed.build(recipe(name), device, **options)
