"""Backends: Axolotl and LLaMA-Factory behind one interface, each in its own managed venv."""

from __future__ import annotations

from seshat.backends.base import Backend
from seshat.errors import ConfigError

NAMES = ("axolotl", "llamafactory")


def get_backend(name: str) -> Backend:
    """Return the backend called ``name``.

    Raises:
        ConfigError: Unknown name.
    """
    if name == "axolotl":
        from seshat.backends.axolotl import Axolotl

        return Axolotl()
    if name == "llamafactory":
        from seshat.backends.llamafactory import LlamaFactory

        return LlamaFactory()
    raise ConfigError(
        f"Unknown backend {name!r}; known: {', '.join(NAMES)}.",
        "use `backend=axolotl` or `backend=llamafactory`",
    )
