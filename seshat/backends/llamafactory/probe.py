"""LLaMA-Factory's schema snapshot and own validation.

Runs inside the trainer's own venv, loaded by ``seshat/backends/probes/schema_probe.py`` (whose
folder is on ``sys.path`` there): only the standard library, the trainer and that script's helpers.
"""

from __future__ import annotations

from schema_probe import Walker, enum_type, versions


def snapshot() -> dict:
    """Snapshot of LLaMA-Factory's argument dataclasses (one flat namespace) and template names."""
    from llamafactory.data.template import TEMPLATES
    from llamafactory.hparams import (
        DataArguments,
        FinetuningArguments,
        GeneratingArguments,
        ModelArguments,
        TrainingArguments,
    )
    from transformers.trainer_utils import SchedulerType
    from transformers.training_args import OptimizerNames

    walker = Walker()
    fields: dict[str, dict] = {}
    for cls in (
        ModelArguments,
        DataArguments,
        TrainingArguments,
        FinetuningArguments,
        GeneratingArguments,
    ):
        fields.update(walker.model(cls) and walker.models[cls.__name__]["fields"])
    # Plain `str` upstream; checked only at run time. Pin the names.
    fields["template"] = enum_type(list(TEMPLATES))
    fields["optim"] = enum_type([o.value for o in OptimizerNames], nullable=False)
    fields["lr_scheduler_type"] = enum_type([s.value for s in SchedulerType], nullable=False)
    walker.models["LlamaFactoryArguments"] = {"fields": fields, "aliases": {}}
    return {
        "backend": "llamafactory",
        "versions": versions("llamafactory", "transformers", "peft", "torch", "trl"),
        "root": "LlamaFactoryArguments",
        "models": walker.models,
    }


def validate(config: dict) -> list[str]:
    """LLaMA-Factory's own argument parsing (``get_train_args``) plus its template registry."""
    from llamafactory.data.template import TEMPLATES
    from llamafactory.hparams import get_train_args

    errors = []
    if config.get("template") and config["template"] not in TEMPLATES:
        errors.append(f"template: unknown template {config['template']!r}")
    get_train_args(dict(config))
    return errors
