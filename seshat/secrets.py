"""Secrets (HF_TOKEN, WANDB_API_KEY): from the environment, else from the user's keyring.

They are handed to subprocesses in memory and never written: ``launch.json`` drops variables whose
names look like secrets, and rendered configs, SkyPilot tasks, W&B configs, reports and model
cards never contain them (see tests/integration/test_access_canary.py). The keyring is optional:
with the ``keyring`` package installed, ``keyring set seshat HF_TOKEN`` stores a token there.
"""

from __future__ import annotations

import os

KNOWN = ("HF_TOKEN", "WANDB_API_KEY")
SERVICE = "seshat"


def secret(name: str) -> str | None:
    """The value of secret ``name``: the environment first, then the keyring (service ``seshat``)."""
    value = os.environ.get(name)
    if value:
        return value
    try:
        import keyring
    except ImportError:
        return None
    try:
        return keyring.get_password(SERVICE, name) or None
    except Exception:  # no usable keyring backend on this machine
        return None


def secret_environment(names: tuple[str, ...] = KNOWN) -> dict[str, str]:
    """The known secrets that are set, for a subprocess's environment (never to be saved)."""
    found = {name: secret(name) for name in names}
    return {name: value for name, value in found.items() if value}
