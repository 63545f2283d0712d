"""The trainers Seshat can run: the registered plug-ins (:mod:`seshat.plugins`), by name."""

from __future__ import annotations

from seshat.backends.base import Backend
from seshat.errors import ConfigError
from seshat.plugins import backend_names, load_backend_class


def get_backend(name: str) -> Backend:
    """Return the trainer called ``name``.

    Raises:
        ConfigError: No trainer of that name is registered.
    """
    names = backend_names()
    if name not in names:
        raise ConfigError(
            f"Unknown backend {name!r}; known: {', '.join(names) or 'none registered'}.",
            " or ".join(f"use `backend={n}`" for n in names)
            or "reinstall Seshat (`pip install -e .`): its trainers are registered as entry points",
        )
    backend = load_backend_class(name)()
    if not isinstance(backend, Backend):
        raise ConfigError(
            f"The plug-in registered as backend {name!r} is not a seshat Backend.",
            "fix the package that registers it (entry point group seshat.backends)",
        )
    return backend
