"""Options shared by commands: the project folder and ``key=value`` overrides."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from seshat.config.loader import LoadedProject

F = Callable[..., Any]


def project_option(func: F) -> F:
    """``--project/-C DIR``: the project folder (default: the current folder)."""
    return click.option(
        "-C",
        "--project",
        "project_dir",
        type=click.Path(path_type=Path),
        default=Path("."),
        show_default=True,
        help="Project folder (with seshat.yaml).",
    )(func)


def overrides_argument(func: F) -> F:
    """``KEY=VALUE...``: overrides of seshat.yaml (``profile=x``, ``training.lr=1e-4``)."""
    return click.argument("overrides", nargs=-1, metavar="[KEY=VALUE]...")(func)


def split_project_override(overrides: tuple[str, ...], project_dir: Path) -> tuple[list[str], Path]:
    """Take a ``project=DIR`` item out of the overrides (so ``just x project=DIR`` works)."""
    rest = []
    for item in overrides:
        if item.startswith("project="):
            project_dir = Path(item.partition("=")[2])
        else:
            rest.append(item)
    return rest, project_dir


def load(project_dir: Path, overrides: tuple[str, ...]) -> LoadedProject:
    """The project of ``-C DIR`` (or a ``project=DIR`` item) with the other overrides applied."""
    from seshat.config.loader import load_project

    items, folder = split_project_override(overrides, project_dir)
    return load_project(folder, items)


def boolean(text: str) -> bool:
    """``true/false/yes/no/1/0`` as a bool."""
    from seshat.errors import ConfigError

    value = text.strip().lower()
    if value in {"true", "yes", "1", "on"}:
        return True
    if value in {"false", "no", "0", "off"}:
        return False
    raise ConfigError(f"{text!r} is not true or false.", "write true or false")


def run_settings(
    args: tuple[str, ...], known: dict[str, Callable[[str], Any]], project_dir: Path
) -> tuple[list[str], dict[str, Any], Path]:
    """Split ``RUN... key=value...`` into run names, typed settings and the project folder.

    Args:
        args: The command's arguments.
        known: Accepted keys and the function that parses each value.
        project_dir: ``-C DIR`` (a ``project=DIR`` item wins).

    ``access.*`` items (overrides of the access policy) are collected, unparsed, under the
    ``access`` setting: pass them to :func:`gate`.

    Raises:
        ConfigError: An unknown key, or a value its parser rejects.
    """
    from seshat.errors import ConfigError

    items, project_dir = split_project_override(args, project_dir)
    names, settings = [], {}
    for item in items:
        if "=" not in item:
            names.append(item)
            continue
        if item.startswith("access."):  # the access policy, e.g. access.overrides.model_export=...
            settings.setdefault("access", []).append(item)
            continue
        key, _, raw = item.partition("=")
        if key not in known:
            raise ConfigError(
                f"Unknown setting {key!r} in {item!r}.",
                f"accepted here: {', '.join(f'{k}=' for k in sorted(known))}",
            )
        try:
            settings[key] = known[key](raw)
        except ValueError:
            raise ConfigError(f"Bad value in {item!r}.", f"give {key} a valid value") from None
    return names, settings, project_dir


def gate(project_dir: Path, settings: dict[str, Any]) -> Any:
    """The project's access gate, with the ``access.*`` items of ``settings`` (taken out of it)."""
    from seshat.access import Gate

    return Gate.for_project(project_dir.resolve(), settings.pop("access", []))
