"""Where Seshat finds its shipped resources and keeps its cache."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """Return a shipped resource folder (``templates`` or ``profiles``).

    In a wheel the folders live inside the package (``seshat/_shipped``); in a source checkout or an
    editable install they are the repository's top-level folders.

    Args:
        name: The folder name, ``templates`` or ``profiles``.

    Returns:
        The folder's path.
    """
    inside = PACKAGE_DIR / "_shipped" / name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / name


def search_dirs(name: str, project_dir: Path | None) -> list[Path]:
    """Folders to search for ``templates`` or ``profiles``, highest priority first.

    A project's own folder of that name overrides the shipped one, file by file.

    Args:
        name: ``templates`` or ``profiles``.
        project_dir: The project folder, or None.
    """
    dirs = []
    if project_dir is not None and (project_dir / name).is_dir():
        dirs.append(project_dir / name)
    dirs.append(shipped_dir(name))
    return dirs


def seshat_home() -> Path:
    """Return Seshat's cache dir: ``$SESHAT_HOME``, else ``$XDG_CACHE_HOME/seshat`` or ``~/.cache/seshat``."""
    env = os.environ.get("SESHAT_HOME")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return (base / "seshat").resolve()
