"""The dev loss of a finished run, measured in a process of its own.

Where a profile says evaluating inside the training process is unsafe (``eval_in_training:
false``: on Strix Halo it froze a machine in a 2026 report), the rendered config evaluates
nothing, and after a successful run Seshat starts the trainer once more to evaluate the final
adapter (or model) on the dev split: the trainer's own evaluation (``Backend.dev_loss_command``),
never a loop of Seshat's. The loss joins the run's metrics at its last step, marked as such.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from seshat.backends.base import CONFIG_FILE
from seshat.backends.registry import get_backend
from seshat.environments import require_env
from seshat.errors import SeshatError
from seshat.process.runner import run_logged
from seshat.runs.launch_record import Launch
from seshat.runs.outputs import full_model, trained_adapter
from seshat.runs.rundir import RunDir
from seshat.yamlio import atomic_write_text, remove_tree

WORK = "dev-loss"  # inside the run folder: the pass's config, prepared data and results
LOG = "dev-loss.log"


def wanted(run: RunDir) -> bool:
    """Whether the run's plan moved its dev loss out of the training process, and it has a dev split."""
    try:
        planned = run.read_json("plan.json").get("eval_in_training") or {}
        dev = (run.spec().get("data") or {}).get("dev")
    except (OSError, ValueError, AttributeError):
        return False
    return planned.get("value") is False and bool(dev) and (run.root / str(dev)).is_file()


def measure(run: RunDir, launch: Launch) -> dict[str, Any]:
    """Evaluate the run's final model on its dev split with its own trainer, in a new process.

    Returns:
        ``{"eval_loss": float, "seconds": float}``.

    Raises:
        SeshatError: No final model, or the trainer's evaluation failed or wrote no loss (its
            log named).
    """
    backend = get_backend(launch.backend)
    adapter, model = trained_adapter(run), full_model(run)
    final = adapter or model
    if final is None:
        raise SeshatError(
            f"Run {run.run_id} left no final adapter or model in {run.output} to evaluate.",
            f"see {run.logs}",
        )
    env = require_env(launch.backend, launch.flavour)
    work = run.rel / WORK
    remove_tree(run.root / work)
    (run.root / work).mkdir(parents=True)
    trained = yaml.safe_load((run.path / CONFIG_FILE).read_text(encoding="utf-8"))
    dev = (run.spec().get("data") or {}).get("dev")
    argv, files = backend.dev_loss_command(
        trained,
        run.rel,
        run.rel / final.relative_to(run.path),
        adapter is not None,
        Path(str(dev)),
        work,
    )
    for rel, text in files.items():
        atomic_write_text(run.root / rel, text)
    done = run_logged([env.bin(argv[0]), *argv[1:]], run.logs / LOG, env=launch.env, cwd=run.root)
    loss = backend.read_dev_loss(run.root / work) if done.ok else None
    if loss is None:
        tail = "\n    ".join(done.tail[-8:])
        raise SeshatError(
            f"The dev-loss pass of run {run.run_id} gave no loss (exit code {done.returncode}):"
            f"\n    {tail}\nFull log: {run.logs / LOG}.",
            "the trained model is fine; measure it again with `seshat eval`, or read the log",
        )
    return {"eval_loss": loss, "seconds": round(done.seconds, 1)}
