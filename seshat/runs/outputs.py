"""What a finished run left in ``output/``: its adapter (where its trainer puts it) or a full model."""

from __future__ import annotations

from pathlib import Path

from seshat.backends.base import Backend, is_adapter_folder
from seshat.backends.registry import get_backend
from seshat.runs.launch_record import Launch
from seshat.runs.rundir import RunDir


def trainer_of(run: RunDir) -> Backend:
    """The trainer that ran ``run`` (from its ``launch.json``)."""
    return get_backend(Launch.load(run).backend)


def trained_adapter(run: RunDir) -> Path | None:
    """The run's final adapter folder, or None (not finished, or a full fine-tune)."""
    if not (run.path / "launch.json").is_file():
        return run.output if is_adapter_folder(run.output) else None
    return trainer_of(run).adapter_dir(run.output)


def full_model(run: RunDir) -> Path | None:
    """The run's output when it is a complete model (a full fine-tune), else None."""
    if trained_adapter(run) is None and (run.output / "config.json").is_file():
        return run.output
    return None
