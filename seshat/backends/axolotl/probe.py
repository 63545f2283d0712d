"""Axolotl's schema snapshot and own validation.

Runs inside the trainer's own venv, loaded by ``seshat/backends/probes/schema_probe.py`` (whose
folder is on ``sys.path`` there): only the standard library, the trainer and that script's helpers.
"""

from __future__ import annotations

from schema_probe import Walker, enum_type, versions


def snapshot() -> dict:
    """Snapshot of Axolotl's ``AxolotlInputConfig`` (pydantic), with pinned enumerations."""
    from axolotl.utils.schemas.config import AxolotlInputConfig
    from axolotl.utils.schemas.enums import CustomSupportedOptimizers
    from transformers.trainer_utils import SchedulerType
    from transformers.training_args import OptimizerNames

    walker = Walker()
    root = walker.model(AxolotlInputConfig)["name"]
    fields = walker.models[root]["fields"]
    # Typed as plain `str` upstream, so a typo passes Axolotl's own validation: pin the names.
    fields["optimizer"] = enum_type(
        [o.value for o in OptimizerNames] + [o.value for o in CustomSupportedOptimizers]
    )
    fields["lr_scheduler"] = enum_type(
        [s.value for s in SchedulerType] + ["one_cycle", "rex", "log_sweep"]
    )
    fields["adapter"] = enum_type(["lora", "qlora", "llama-adapter"])
    fields["wandb_mode"] = enum_type(["online", "offline", "disabled"])
    return {
        "backend": "axolotl",
        "versions": versions("axolotl", "transformers", "peft", "torch", "pydantic"),
        "root": root,
        "models": walker.models,
    }


def validate(config: dict) -> list[str]:
    """Axolotl's own validation (``validate_config``); raises on a rejected config."""
    from axolotl.utils.config import validate_config
    from axolotl.utils.dict import DictDefault

    validate_config(DictDefault(config))
    return []
