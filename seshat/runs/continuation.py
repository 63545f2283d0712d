"""``continue=RUN``: a new run that trains an earlier run's adapter further (incremental training)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seshat.config.loader import LoadedProject
from seshat.config.models import Method
from seshat.errors import ConfigError
from seshat.runs.outputs import trained_adapter, trainer_of
from seshat.runs.rundir import RunDir


def parent_adapter(project: LoadedProject, parent: RunDir) -> Path:
    """The adapter folder of ``parent`` (relative to the project), after checking it fits."""
    spec = project.spec
    status = parent.status()
    adapter = trained_adapter(parent)
    if spec.training.method is Method.full:
        raise ConfigError(
            f"continue={parent.run_id} trains an adapter further, but training.method is "
            f"{spec.training.method.value}.",
            f"for a full fine-tune from that run, set `model.base={parent.rel / 'output'}` instead",
        )
    if status.get("state") != "succeeded" or adapter is None:
        raise ConfigError(
            f"Run {parent.run_id} is {status.get('state')} and has no final adapter "
            f"(none in {parent.output}).",
            f"finish it first with `seshat train resume={parent.run_id}`, or continue from a "
            "succeeded run (`seshat runs list`)",
        )
    parent_spec = parent.spec()
    if parent_spec["model"]["base"] != spec.model.base:
        raise ConfigError(
            f"Run {parent.run_id} trained an adapter for {parent_spec['model']['base']!r}, "
            f"but model.base is now {spec.model.base!r}.",
            f"continue with `model.base={parent_spec['model']['base']}`",
        )
    rank, alpha = trainer_of(parent).adapter_shape(adapter)
    if (rank, alpha) != (spec.training.lora.rank, spec.training.lora.alpha):
        raise ConfigError(
            f"Run {parent.run_id}'s adapter has rank {rank} and alpha {alpha}; training.lora asks "
            f"for rank {spec.training.lora.rank} and alpha {spec.training.lora.alpha}.",
            f"continue with `training.lora.rank={rank} training.lora.alpha={alpha}`",
        )
    return parent.rel / adapter.relative_to(parent.path)


def lineage_fields(parent: RunDir | None) -> dict[str, Any]:
    """The ``status.json`` fields that record where a continued run comes from."""
    if parent is None:
        return {}
    return {
        "parent": parent.run_id,
        "lineage": [*parent.status().get("lineage", []), parent.run_id],
    }
