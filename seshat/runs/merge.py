"""``seshat merge RUN``: merge a run's LoRA adapter into its base model with the run's own backend.

The backend writes into a scratch folder inside the run; only a finished merge is renamed to
``runs/<id>/merged``, so an interrupted merge never leaves a half-written model where export
looks for one.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from seshat.backends.base import CONFIG_FILE
from seshat.backends.registry import get_backend
from seshat.environments import require_env
from seshat.errors import SeshatError
from seshat.process.diagnosis import diagnose, relevant_tail
from seshat.process.runner import run_logged
from seshat.runs.launch_record import Launch
from seshat.runs.outputs import full_model, trained_adapter
from seshat.runs.rundir import find_run
from seshat.stamps import utc_now
from seshat.yamlio import atomic_write_text, remove_tree

MERGED = "merged"
SCRATCH = ".merging"


def merge_run(root: Path, name: str, force: bool = False) -> dict[str, Any]:
    """Merge the adapter of run ``name`` into its base model (``runs/<id>/merged``).

    Args:
        root: The project folder.
        name: Run id, unique prefix or ``latest``.
        force: Merge again even if ``merged/`` exists.

    Returns:
        The ``merged`` record written into ``status.json``.

    Raises:
        SeshatError: No adapter to merge, or the backend's merge failed (with its log tail).
    """
    run = find_run(root, name)
    status = run.status()
    adapter = trained_adapter(run)
    if adapter is None and full_model(run) is not None:
        raise SeshatError(
            f"Run {run.run_id} is a full fine-tune: {run.output} is already a complete model, "
            "with no adapter to merge.",
            "use the run's output/ folder directly (export reads it as it is)",
        )
    if adapter is None:
        raise SeshatError(
            f"Run {run.run_id} ({status.get('state')}) has no final adapter to merge "
            f"(none in {run.output}).",
            f"finish it with `seshat train resume={run.run_id}`, or merge a succeeded run "
            "(`seshat runs list`)",
        )
    target = run.path / MERGED
    if target.is_dir() and not force:
        return (status.get("merged") or {"path": MERGED}) | {"reused": True}
    launch = Launch.load(run)
    env = require_env(launch.backend, launch.flavour)
    scratch = run.rel / SCRATCH
    remove_tree(root / scratch)
    (root / scratch).mkdir(parents=True)
    trained = yaml.safe_load((run.path / CONFIG_FILE).read_text(encoding="utf-8"))
    argv, files = get_backend(launch.backend).merge_command(
        trained, run.rel, run.rel / adapter.relative_to(run.path), scratch
    )
    for rel, text in files.items():
        atomic_write_text(root / rel, text)
    done = run_logged(
        [env.bin(argv[0]), *argv[1:]],
        run.logs / "merge.log",
        env=launch.env,
        cwd=root,
    )
    produced = root / scratch / MERGED
    if not done.ok or not (produced / "config.json").is_file():
        found = diagnose(done.tail, launch.backend, done.returncode)
        explanation = found[0] if found else "No known cause matched its output."
        tail = "\n    ".join(relevant_tail(done.tail))
        raise SeshatError(
            f"Merging run {run.run_id} failed: {launch.backend} exited with code "
            f"{done.returncode} after {done.seconds:.0f} s. {explanation} Last lines:\n    {tail}\n"
            f"Full log: {run.logs / 'merge.log'}.",
            found[1] if found else "fix the cause, then `seshat merge` again",
        )
    if target.exists():
        shutil.rmtree(target)
    produced.rename(target)
    remove_tree(root / scratch)
    record = {
        "path": MERGED,
        "exit_code": done.returncode,
        "duration_s": round(done.seconds, 2),
        "merged_at": utc_now(),
        "files": sorted(p.name for p in target.iterdir()),
    }
    run.set_status(run.status()["state"], merged=record)
    return record
