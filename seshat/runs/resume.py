"""``resume=RUN``: go on with an interrupted or failed run from its last complete checkpoint."""

from __future__ import annotations

import os
from pathlib import Path

from seshat.backends.base import CONFIG_FILE
from seshat.errors import SeshatError
from seshat.runs.launch_record import Launch
from seshat.runs.outputs import trainer_of
from seshat.runs.rundir import RunDir, find_run
from seshat.stamps import file_manifest
from seshat.templating import yaml_value
from seshat.yamlio import atomic_write_text


def resume_run(root: Path, name: str) -> tuple[RunDir, Launch, str]:
    """Prepare an interrupted or failed run to go on from its last complete checkpoint.

    The run keeps its id, spec and rendered config; ``resume_from_checkpoint`` is added to the
    config, and checkpoints left half-written by a kill are set aside (renamed, never deleted).

    Returns:
        The run, its launch record and the checkpoint it resumes from (relative to the run dir).

    Raises:
        SeshatError: No such run, a run that finished, changed data, or no complete checkpoint.
    """
    run = find_run(root, name)
    status = run.status()
    state = status.get("state")
    if state == "succeeded":
        raise SeshatError(
            f"Run {run.run_id} already succeeded; there is nothing to resume.",
            f"train it further on new data with `seshat train continue={run.run_id}`",
        )
    if state in ("created", "running") and _alive(status.get("pid")):
        raise SeshatError(
            f"Run {run.run_id} is still running (backend pid {status.get('pid')}).",
            "wait for it, or stop it with Ctrl-C (or `kill PID`) before resuming",
        )
    recorded = run.read_json("data.json")
    now = file_manifest(root, {k: Path(v["path"]) if v else None for k, v in recorded.items()})
    changed = [
        k for k in recorded if (recorded[k] or {}).get("sha256") != (now[k] or {}).get("sha256")
    ]
    if changed:
        raise SeshatError(
            f"The {', '.join(changed)} data of run {run.run_id} changed since it started "
            f"(see {run.path / 'data.json'}); resuming would mix two datasets.",
            f"restore the data, or train on the new data with `seshat train continue={run.run_id}` "
            "once the run has an adapter",
        )
    set_aside_incomplete_checkpoints(run)
    checkpoint = last_checkpoint(run)
    if checkpoint is None:
        raise SeshatError(
            f"Run {run.run_id} saved no complete checkpoint before it stopped.",
            "start it again with `seshat train` (a smaller `training.save_steps` saves earlier)",
        )
    _write_resume_block(run, checkpoint, int(status.get("attempt", 1)) + 1)
    return run, Launch.load(run), checkpoint


RESUME_MARK = "# --- resumed by Seshat"


def _write_resume_block(run: RunDir, checkpoint: str, attempt: int) -> None:
    """Append the trainer's resume keys to the run's config (replacing an earlier block)."""
    config = run.path / CONFIG_FILE
    text = config.read_text(encoding="utf-8").split(RESUME_MARK)[0].rstrip("\n")
    patch = trainer_of(run).resume_patch(run.rel / checkpoint)
    text += (
        f"\n\n{RESUME_MARK} (attempt {attempt}): go on from the last complete checkpoint ---\n"
        + "".join(f"{key}: {yaml_value(value)}\n" for key, value in patch.items())
    )
    atomic_write_text(config, text)


def set_aside_incomplete_checkpoints(run: RunDir) -> list[str]:
    """Rename checkpoints without ``trainer_state.json`` (the file a trainer writes last).

    A kill during a save leaves such a folder; both backends would pick it as the newest.
    """
    moved = []
    for folder in run.output.glob("checkpoint-*"):
        if folder.is_dir() and not (folder / "trainer_state.json").is_file():
            target = folder.with_name(f"incomplete-{folder.name}")
            n = 1
            while target.exists():
                n += 1
                target = folder.with_name(f"incomplete-{folder.name}-{n}")
            folder.rename(target)
            moved.append(target.name)
    return moved


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def last_checkpoint(run: RunDir) -> str | None:
    """The newest complete ``checkpoint-N`` folder of the run's output, relative to the run dir."""
    checkpoints = sorted(
        (
            p
            for p in run.output.glob("checkpoint-*")
            if p.name.split("-")[-1].isdigit() and (p / "trainer_state.json").is_file()
        ),
        key=lambda p: int(p.name.split("-")[-1]),
    )
    return str(checkpoints[-1].relative_to(run.path)) if checkpoints else None
