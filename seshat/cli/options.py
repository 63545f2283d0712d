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
