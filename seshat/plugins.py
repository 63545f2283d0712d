"""The plug-in registry: trainers are entry points of the group ``seshat.backends``.

A trainer ships as a Python package that declares, in its ``pyproject.toml``::

    [project.entry-points."seshat.backends"]
    mytrainer = "mypackage.backend:MyTrainer"

Seshat's own trainers are declared the same way. This module reads the names without importing
any trainer (the config type, the CLI choices and ``seshat --help`` stay fast), and loads a
trainer's class only when it is used.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

GROUP = "seshat.backends"


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=GROUP):
        found.setdefault(point.name, point)  # an editable install may list itself twice
    return dict(sorted(found.items()))


def backend_names() -> tuple[str, ...]:
    """The registered trainers' names, sorted."""
    return tuple(_entry_points())


def load_backend_class(name: str) -> Any:
    """The registered class called ``name`` (its module imported now).

    Raises:
        KeyError: No trainer of that name is registered.
    """
    return _entry_points()[name].load()
