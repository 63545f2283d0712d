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


# keys whose package LLaMA-Factory's validator requires (``check_version(..., mandatory=True)``)
NEEDS = {"deepspeed": "deepspeed", "enable_liger_kernel": "liger-kernel", "use_unsloth": "unsloth"}


def validate(config: dict) -> dict:
    """LLaMA-Factory's own argument parsing (``get_train_args``) plus its template registry.

    A key whose package is not installed in this env (DeepSpeed, Liger, Unsloth on a CPU env) is
    left out of that check and named in the notes: the strict check (the schema snapshot) is all
    it gets here. A DeepSpeed config is checked as its launcher runs it: in a distributed world
    (one process, gloo on a CPU), where LLaMA-Factory requires it.
    """
    from importlib.metadata import PackageNotFoundError, version

    from llamafactory.data.template import TEMPLATES

    errors, notes = [], []
    if config.get("template") and config["template"] not in TEMPLATES:
        errors.append(f"template: unknown template {config['template']!r}")
    checked = dict(config)
    for key, package in NEEDS.items():
        if not checked.get(key):
            continue
        try:
            version(package)
        except PackageNotFoundError:
            checked.pop(key)
            notes.append(
                f"{key}: not checked by LLaMA-Factory here ({package} is not installed in this "
                "env); checked against the schema snapshot only"
            )
    if checked.get("deepspeed"):
        _distributed_world()
    from llamafactory.hparams import get_train_args

    get_train_args(checked)
    return {"errors": errors, "notes": notes}


def _distributed_world() -> None:
    """Environment of a one-process torchrun world (what FORCE_TORCHRUN gives each process)."""
    import os
    import socket

    if os.environ.get("WORLD_SIZE"):
        return
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    os.environ.update(
        WORLD_SIZE="1",
        RANK="0",
        LOCAL_RANK="0",
        LOCAL_WORLD_SIZE="1",
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
