"""``seshat plan --measure``: a few real steps of candidate batch shapes, timed.

Each candidate keeps the profile's effective batch (micro-batch x accumulation) and runs
:data:`STEPS` optimizer steps through the real backend, on the real data, with no dev
evaluation, checkpoint or tracking; its run folder is removed afterwards. The seconds per
optimizer step (the trainer's own ``train_runtime``) are cached in ``.seshat/probes.json`` per
model, profile, method and data, and the plan then picks the fastest shape (and uses its time).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from seshat.config.loader import LoadedProject, load_project
from seshat.errors import SeshatError
from seshat.plan.make import PROBES, probe_key
from seshat.runs.train import execute, start_run
from seshat.stamps import utc_now
from seshat.trainer_config import prepare
from seshat.yamlio import atomic_write_text, remove_tree

STEPS = 4


def candidates(effective: int) -> list[tuple[int, int]]:
    """Batch shapes with the same effective batch: one micro-batch, half, and one example."""
    shapes = []
    for micro in (effective, max(1, effective // 2), 1):
        shape = (micro, max(1, effective // micro))
        if shape not in shapes:
            shapes.append(shape)
    return shapes


def measure(
    project: LoadedProject,
    overrides: tuple[str, ...] = (),
    on_shape: Callable[[int, int, float], None] | None = None,
) -> dict[str, Any]:
    """Time every candidate shape; cache and return the results.

    Raises:
        SeshatError: A probe run failed (its error is said), or there is no formatted data.
    """
    prepared = prepare(project)
    plan, profile = prepared.plan, prepared.resolved.profile
    key = probe_key(project.spec, profile, project.root, plan.value("sequence_len"))
    if key is None:
        raise SeshatError(
            "There is no formatted training data to measure with.", "run `seshat data run` first"
        )
    effective = plan.value("micro_batch_size") * plan.value("gradient_accumulation_steps")
    shapes = []
    for micro, accumulation in candidates(effective):
        probe = load_project(
            project.root,
            [
                *overrides,
                f"training.sequence_len={plan.value('sequence_len')}",
                f"training.micro_batch_size={micro}",
                f"training.gradient_accumulation_steps={accumulation}",
                f"training.max_steps={STEPS}",
                "training.epochs=null",
                "training.save_steps=100000",
                "data.dev=null",
                "tracking.wandb.mode=disabled",
            ],
        )
        _, run, launch = start_run(probe)
        try:
            execute(run, launch)
            results = json.loads((run.output / "all_results.json").read_text(encoding="utf-8"))
            step_s = float(results["train_runtime"]) / STEPS
        except (OSError, ValueError, KeyError) as exc:  # the run folder is kept for its logs
            raise SeshatError(
                f"The probe run of {micro} x {accumulation} gave no timing ({exc}).",
                f"see {run.path / 'logs'}, then `seshat plan --measure` again",
            ) from None
        remove_tree(run.path)
        shapes.append(
            {
                "micro_batch_size": micro,
                "gradient_accumulation_steps": accumulation,
                "step_s": step_s,
            }
        )
        if on_shape is not None:
            on_shape(micro, accumulation, step_s)
    cache_path = project.root / PROBES
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.is_file() else {}
    except (OSError, ValueError):
        cache = {}
    cache = cache if isinstance(cache, dict) else {}
    cache[key] = {"measured_at": utc_now(), "steps": STEPS, "shapes": shapes}
    atomic_write_text(cache_path, json.dumps(cache, indent=2, sort_keys=True) + "\n")
    return cache[key]
