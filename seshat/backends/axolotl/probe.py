"""Axolotl's schema snapshot and own validation.

Runs inside the trainer's own venv, loaded by ``seshat/backends/probes/schema_probe.py`` (whose
folder is on ``sys.path`` there): only the standard library, the trainer and that script's helpers.
"""

from __future__ import annotations

from schema_probe import Walker, enum_type, versions

# plugins whose options Axolotl merges into its config when `plugins:` lists them (the options
# pass its validation only then; Seshat's strict check asks for the plugin too)
PLUGIN_ARGS = {
    "axolotl.integrations.liger.LigerPlugin": "axolotl.integrations.liger.args.LigerArgs"
}


def snapshot() -> dict:
    """Snapshot of Axolotl's ``AxolotlInputConfig`` (pydantic) and the plugins Seshat renders.

    Enumerations Axolotl types as plain strings are pinned; each plugin's options are added to
    the root and listed under ``plugin_fields`` (plugin -> its option names).
    """
    import importlib

    from axolotl.utils.schemas.config import AxolotlInputConfig
    from axolotl.utils.schemas.enums import CustomSupportedOptimizers
    from transformers.trainer_utils import SchedulerType
    from transformers.training_args import OptimizerNames

    walker = Walker()
    root = walker.model(AxolotlInputConfig)["name"]
    fields = walker.models[root]["fields"]
    plugin_fields = {}
    for plugin, args in PLUGIN_ARGS.items():
        module, _, name = args.rpartition(".")
        model = walker.model(getattr(importlib.import_module(module), name))["name"]
        options = walker.models[model]["fields"]
        plugin_fields[plugin] = sorted(set(options) - set(fields))
        fields.update({k: v for k, v in options.items() if k not in fields})
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
        "plugin_fields": plugin_fields,
    }


def validate(config: dict) -> list[str]:
    """Axolotl's own validation, as its CLI does it: the listed plugins, then ``validate_config``.

    Registering the plugins merges their options (Liger's) into the config class, so they are
    validated too. Seshat's own plugin folder (``in_env/``, beside this file) is made importable.
    Raises on a rejected config.
    """
    import sys
    from pathlib import Path

    from axolotl.utils.config import prepare_plugins, validate_config
    from axolotl.utils.dict import DictDefault

    in_env = str(Path(__file__).resolve().parent / "in_env")
    if in_env not in sys.path:
        sys.path.insert(0, in_env)
    cfg = DictDefault(config)
    prepare_plugins(cfg)
    validate_config(cfg)
    return []
