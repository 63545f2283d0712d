"""Axolotl plugin: seed the random generators right before the LoRA adapter is created.

It runs *inside Axolotl's venv*, found through PYTHONPATH, and is never imported by Seshat.

Axolotl seeds only when the trainer is built, after the adapter's random initialisation, so two
runs of the same config start from different adapters and cannot be compared or reproduced.
"""

from __future__ import annotations

from typing import Any

from axolotl.integrations.base import BasePlugin


class SeedBeforeAdapter(BasePlugin):
    """Seed Python, NumPy and torch with the config's ``seed`` before the adapter is built."""

    def pre_lora_load(self, cfg: Any, model: Any) -> None:
        """Called by Axolotl just before it wraps the model with the adapter."""
        from transformers import set_seed

        set_seed(cfg.seed if cfg.seed is not None else 42)
