"""``seshat train``: plan -> render -> check -> run dir -> the backend as a subprocess -> record."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seshat.access import ACCESS_FILE, Gate, run_holdings, splits_record
from seshat.backends.registry import get_backend
from seshat.config.loader import LoadedProject
from seshat.config.models import Destination
from seshat.environments import require_env
from seshat.envs.managed import activated
from seshat.errors import CheckError, ConfigError, SeshatError
from seshat.plan.make import planned_steps
from seshat.process.diagnosis import diagnose, relevant_tail
from seshat.run_records import read_spec_text
from seshat.runs import dev_loss
from seshat.runs.continuation import lineage_fields, parent_adapter
from seshat.runs.inputs import input_hashes
from seshat.runs.launch_record import Launch
from seshat.runs.resume import last_checkpoint
from seshat.runs.rundir import RunDir, environment_text, new_run_id, write_spec
from seshat.runs.supervise import supervise
from seshat.runs.tracking import Tracker, check_online
from seshat.secrets import secret_environment
from seshat.stamps import file_manifest, utc_now
from seshat.trainer_config import CheckReport, Prepared, prepare, render, strict_check
from seshat.yamlio import atomic_write_text


class TrainingFailed(SeshatError):
    """The backend exited with an error; the message carries the diagnosis and the log tail."""


@dataclass
class Progress:
    """What the progress display needs, updated as metrics arrive."""

    step: int = 0
    total: int | None = None
    loss: float | None = None
    learning_rate: float | None = None
    tokens_per_second: float | None = None
    eval_loss: float | None = None


def estimated_total_steps(project: LoadedProject, prepared: Prepared) -> int | None:
    """Optimizer steps the run will take (exact with max_steps, else from the training set's size)."""
    return planned_steps(
        project.spec, prepared.plan, project.root, prepared.resolved.profile.world_size
    )


def _check_data(project: LoadedProject) -> None:
    for name in ("train", "dev"):
        rel = getattr(project.spec.data, name)
        if rel is None:
            continue
        path = project.root / rel
        if not path.is_file() or path.stat().st_size == 0:
            state = "is empty" if path.is_file() else "does not exist"
            raise ConfigError(
                f"The {name} split {path} {state} (data.{name} in {project.path}).",
                "write the splits with `seshat data format`, or point "
                f'`data.{name}` at a chat JSONL file ({{"messages": [...]}} per line)',
            )


def start_run(
    project: LoadedProject, parent: RunDir | None = None, *, ignore_memory: bool = False
) -> tuple[Prepared, RunDir, Launch]:
    """Plan, render, check and write a new run directory; return what is needed to launch it.

    Args:
        project: The loaded project (overrides applied).
        parent: For ``continue=RUN``: the run whose adapter this run trains further.
        ignore_memory: Start even when the memory plan says the run does not fit.

    Raises:
        ConfigError: Bad config, missing data files, or a parent run that cannot be continued.
        CheckError: The rendered config fails the strict check.
        BackendEnvError: The backend env is not installed.
    """
    prepared = prepare(project)
    backend, profile = prepared.backend, prepared.resolved.profile
    if prepared.plan.fits is False and not ignore_memory:
        raise ConfigError(
            str((prepared.plan.memory or {}).get("verdict")),
            f"see `seshat plan profile={profile.name}`; to start anyway (if the estimate is wrong "
            "for your machine): `seshat train --ignore-memory-plan ...`",
        )
    env = require_env(backend.name, profile.torch_flavour)
    _check_data(project)
    adapter = parent_adapter(project, parent) if parent is not None else None
    check_online(project.spec.tracking.wandb.model_dump(mode="json"))
    run = RunDir(project.root, new_run_id(project.root, backend.name, profile.name))
    rendered = render(prepared, run.rel, init_adapter=adapter)
    report = CheckReport()
    strict_check(prepared, rendered, report)
    if report.strict:
        raise CheckError(
            f"The rendered {backend.name} config has {len(report.strict)} problem(s):",
            [str(p) for p in report.strict],
            "fix seshat.yaml or the profile, then train again",
        )
    data = project.spec.data
    splits = {"train": data.train, "dev": data.dev, "test": data.test}
    held, access = splits_record(
        {k: None if v is None else project.root / v for k, v in splits.items()}
    )
    gate = Gate(project.root, project.spec.access)
    gate.require(Destination.local_training, held, f"training run {run.run_id}")
    if project.spec.tracking.wandb.mode != "disabled":
        gate.require(Destination.wandb_metrics, held, f"the metrics of run {run.run_id}")
    run.path.mkdir(parents=True)
    run.write_json(ACCESS_FILE, access)
    rendered.write(run.path)
    write_spec(run, project.spec.model_dump(mode="json", by_alias=False))
    spec_text = read_spec_text(run.path)
    run.write_json("inputs.json", input_hashes(prepared, spec_text, env.key))
    run.write_json(
        "plan.json",
        {
            "profile": profile.name,
            "profile_reason": prepared.resolved.reason,
            **prepared.plan.to_dict(),
        },
    )
    run.write_json("data.json", file_manifest(project.root, splits))
    launch = Launch(
        backend=backend.name,
        flavour=profile.torch_flavour,
        argv=rendered.argv,
        env=rendered.env,
        logging_steps=project.spec.training.logging_steps,
        tracking=project.spec.tracking.wandb.model_dump(mode="json"),
    )
    launch.save(run)
    atomic_write_text(run.path / "env.txt", environment_text(project.root, env.path / "freeze.txt"))
    run.set_status(
        "created",
        backend=backend.name,
        profile=profile.name,
        argv=rendered.argv,
        overrides=list(project.overrides),
        total_steps=estimated_total_steps(project, prepared),
        access=held.level,
        **lineage_fields(parent),
        **_reviews(project.root),
    )
    return prepared, run, launch


def _reviews(root: Path) -> dict[str, Any]:
    """The linguists' reviews in the training split (``seshat review``), for the run's lineage."""
    from seshat.data.readers.reviews import reviews_in
    from seshat.data.split import SPLITS_DIR

    found = reviews_in(root / SPLITS_DIR / "train.jsonl")
    return {"reviews": found} if found else {}


def execute(
    run: RunDir,
    launch: Launch,
    on_progress: Callable[[Progress], None] = lambda _: None,
    resume_from: str | None = None,
) -> dict[str, Any]:
    """Launch the backend for ``run``, follow it, and record the outcome in ``status.json``.

    Args:
        run: The run (its folder is written).
        launch: The command and environment.
        on_progress: Called as metrics arrive (and about twice a second).
        resume_from: The checkpoint a resumed run goes on from (relative to the run dir).

    Raises:
        TrainingFailed: Non-zero exit (with a diagnosis for known patterns).
        KeyboardInterrupt: Ctrl-C or SIGTERM (the run is marked interrupted first).
        BackendEnvError: The backend env is gone.
    """
    backend = launch.backend
    check_online(launch.tracking)
    env = require_env(backend, launch.flavour)
    argv = [str(env.bin(launch.argv[0])), *launch.argv[1:]]
    before = run.status()
    attempt = int(before.get("attempt", 0)) + 1 if resume_from else 1
    first_step = int(resume_from.rsplit("-", 1)[-1]) if resume_from else 0
    earlier_seconds = float(before.get("duration_s", 0.0)) if resume_from else 0.0  # all attempts
    progress = Progress(step=first_step, total=before.get("total_steps"))
    metrics_path = run.path / "metrics.jsonl"
    reader = get_backend(backend).metrics_reader(run.output, launch.logging_steps, first_step)

    shares_logs = launch.tracking.get("mode") != "disabled" and _logs_may_go_to_wandb(run)
    tracker = Tracker(run, launch.tracking, _tracking_config(run, launch), save_logs=shares_logs)
    tracker.start()

    def record(rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with open(metrics_path, "a", encoding="utf-8") as handle:  # readers skip a torn last line
            for row in rows:
                handle.write(json.dumps({**row, "attempt": attempt}, sort_keys=True) + "\n")
        for row in rows:
            tracker.log(row)
            progress.step = max(progress.step, int(row.get("step", 0)))
            progress.total = int(row.get("total_steps", progress.total or 0)) or progress.total
            progress.loss = row.get("loss", progress.loss)
            progress.learning_rate = row.get("learning_rate", progress.learning_rate)
            progress.tokens_per_second = row.get("tokens_per_second", progress.tokens_per_second)
            progress.eval_loss = row.get("eval_loss", progress.eval_loss)
        on_progress(progress)

    def on_output(stream: str, text: str) -> None:
        record(reader.feed(stream, text))

    def on_tick() -> None:
        record(reader.poll())
        on_progress(progress)

    def on_start(pid: int) -> None:
        run.set_status(
            "running", started_at=utc_now(), pid=pid, attempt=attempt, resumed_from=resume_from
        )

    outcome = supervise(
        argv,
        cwd=run.root,
        env=activated(env.path, dict(os.environ) | secret_environment() | launch.env),
        logs=run.logs,
        on_output=on_output,
        on_tick=on_tick,
        on_start=on_start,
    )
    record(reader.finish())
    state = (
        "interrupted"
        if outcome.interrupted
        else ("succeeded" if outcome.returncode == 0 else "failed")
    )
    status = run.set_status(
        state,
        ended_at=utc_now(),
        exit_code=outcome.returncode,
        duration_s=round(earlier_seconds + outcome.seconds, 2),
        last_checkpoint=last_checkpoint(run),
        steps_logged=progress.step,
    )
    if state == "succeeded" and dev_loss.wanted(run):
        status = _separate_dev_loss(run, launch, progress.step, record)
    problem = tracker.finish(status)
    if tracker.enabled:
        status = run.set_status(
            state,
            tracking={
                "wandb": launch.tracking.get("mode"),
                "dir": "wandb",
                "error": problem,
                "logs_sent": shares_logs,
            },
        )
    if state == "interrupted":
        raise KeyboardInterrupt
    if state == "failed":
        found = diagnose(outcome.tail, backend, outcome.returncode)
        tail = "\n    ".join(relevant_tail(outcome.tail))
        explanation, hint = found or (
            "The backend failed; no known cause matched its output.",
            f"read {run.logs / 'stderr.log'}; fix the cause, then `seshat train` again",
        )
        if status["last_checkpoint"]:
            hint += f"; or go on from {status['last_checkpoint']} with `seshat train resume={run.run_id}`"
        raise TrainingFailed(
            f"Run {run.run_id} failed: {backend} exited with code {outcome.returncode} after "
            f"{outcome.seconds:.0f} s. {explanation} Last lines of its output:\n    {tail}\n"
            f"Full logs: {run.logs}.",
            hint,
        )
    return status


def _separate_dev_loss(
    run: RunDir, launch: Launch, step: int, record: Callable[[list[dict[str, Any]]], None]
) -> dict[str, Any]:
    """The dev loss after training, in its own process (``eval_in_training: false``).

    A failed pass is recorded, not raised: the trained model is fine.
    """
    try:
        measured = dev_loss.measure(run, launch)
    except SeshatError as exc:
        return run.set_status("succeeded", dev_loss={"error": exc.message, "log": dev_loss.LOG})
    record([{"step": step, "eval_loss": measured["eval_loss"], "separate_pass": True}])
    return run.set_status("succeeded", dev_loss=measured | {"step": step})


def _logs_may_go_to_wandb(run: RunDir) -> bool:
    """Whether the access policy lets the backend's logs (which can quote examples) go to W&B."""
    gate, held = Gate.for_run(run.root, run.path), run_holdings(run.path)
    what = f"the backend logs of run {run.run_id}"
    decision = gate.decide(Destination.wandb_samples, held, what)
    gate.log(decision, held, run.path)
    return decision.allowed


def _tracking_config(run: RunDir, launch: Launch) -> dict[str, Any]:
    """What W&B records as the run's config: the training settings, plan, data hashes, command.

    Only what describes the training: no sources (paths, consent notes, licences), no access
    policy (community contacts, override reasons), no language descriptions, and no data paths
    beyond their hashes. W&B metrics may leave the machine; who and what the data is about does
    not go with them.
    """
    spec = run.spec()
    kept = {key: spec[key] for key in TRACKED_SPEC_KEYS if key in spec}
    kept["language"] = {"code": (spec.get("language") or {}).get("code")}
    data = {
        split: {k: v for k, v in (entry or {}).items() if k in ("sha256", "bytes", "records")}
        for split, entry in run.read_json("data.json").items()
    }
    return {
        "spec": kept,
        "plan": run.read_json("plan.json"),
        "data": data,
        "backend": launch.backend,
        "argv": launch.argv,
    }


# the parts of a run's spec that describe its training, and nothing of its data or its people
TRACKED_SPEC_KEYS = ("name", "backend", "profile", "model", "training", "tasks", "splits")
