"""``seshat train`` and ``seshat runs``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from seshat.cli.options import overrides_argument, project_option, split_project_override

if TYPE_CHECKING:
    from rich.console import Console

    from seshat.runs.train import Progress as RunProgress


def _take(items: list[str], key: str) -> tuple[list[str], str | None]:
    """Remove a ``key=VALUE`` item (not a config key) from the overrides; return its value."""
    value = None
    rest = []
    for item in items:
        if item.startswith(f"{key}="):
            value = item.partition("=")[2]
        else:
            rest.append(item)
    return rest, value


@click.command()
@project_option
@click.option(
    "--ignore-memory-plan",
    is_flag=True,
    help="Start even when the memory planner estimates that the run does not fit.",
)
@overrides_argument
def train(project_dir: Path, ignore_memory_plan: bool, overrides: tuple[str, ...]) -> None:
    """Train through the backend: plan, render, check, create runs/<id>/, run, record.

    \b
    resume=RUN    go on with an interrupted or failed run from its last checkpoint (same run id)
    continue=RUN  a new run that trains RUN's adapter further, typically on new data
    """  # noqa: D301 (click's \b keeps the lines as they are)
    from rich.console import Console

    from seshat.config.loader import load_project
    from seshat.errors import ConfigError
    from seshat.runs.rundir import find_run
    from seshat.runs.train import execute, start_run

    items, project_dir = split_project_override(overrides, project_dir)
    items, resume = _take(items, "resume")
    items, parent = _take(items, "continue")
    console = Console(stderr=True)
    resume_from = None
    if resume and parent:
        raise ConfigError("resume= and continue= exclude each other.", "choose one")
    if resume:
        from seshat.runs.resume import resume_run

        if items:
            raise ConfigError(
                f"resume={resume} runs the recorded config unchanged; it takes no overrides "
                f"({' '.join(items)}).",
                f"to change settings, start a new run: `seshat train continue={resume} ...` once "
                "it has an adapter, or `seshat train ...`",
            )
        run, launch, resume_from = resume_run(project_dir.resolve(), resume)
        console.print(f"Resuming run [bold]{run.run_id}[/] from {resume_from} ({run.path})")
    else:
        project = load_project(project_dir, items)
        parent_run = find_run(project.root, parent) if parent else None
        prepared, run, launch = start_run(project, parent_run, ignore_memory=ignore_memory_plan)
        if prepared.resolved.reason:
            console.print(f"Profile: {prepared.resolved.reason}")
        origin = f", continuing {parent_run.run_id}" if parent_run else ""
        console.print(
            f"Run [bold]{run.run_id}[/]: {launch.backend} on {prepared.resolved.profile.name}"
            f"{origin} ({run.path})"
        )
        took = prepared.plan.time
        if took:
            from seshat.plan.timing import duration

            console.print(
                f"Planned: {took['total_steps']} steps, about {duration(took['total_s'])} "
                f"({took['step_s']:.1f} s per step, estimated; the bar's ETA is measured)"
            )
    with _progress_bar(console) as show:
        try:
            status = execute(run, launch, on_progress=show, resume_from=resume_from)
        except KeyboardInterrupt:
            console.print(
                f"[yellow]Interrupted.[/] Run {run.run_id} is marked interrupted; its checkpoints and "
                f"logs are kept in {run.path}. Go on with `seshat train resume={run.run_id}`."
            )
            raise SystemExit(130) from None
    console.print(
        f"[green]Run {run.run_id} succeeded[/] in {status['duration_s']:.0f} s; output in {run.output}."
    )
    separate = status.get("dev_loss")
    if separate and "eval_loss" in separate:
        console.print(
            f"Dev loss {separate['eval_loss']:.4g} (measured after training in a process of its "
            f"own, {separate['seconds']:.0f} s: the profile keeps evaluation out of training)."
        )
    elif separate:
        console.print(f"[yellow]Dev loss:[/] {separate['error']} (the training itself is fine).")
    problem = (status.get("tracking") or {}).get("error")
    if problem:
        console.print(f"[yellow]Tracking:[/] {problem} (the training itself is fine).")


@contextlib.contextmanager
def _progress_bar(console: Console) -> Iterator[Callable[[RunProgress], None]]:
    """A rich progress bar (step/total, loss, dev loss, lr, tokens/s, ETA); yields its updater."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[metrics]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("starting", total=None, metrics="")

        def show(p: RunProgress) -> None:
            parts = []
            if p.loss is not None:
                parts.append(f"loss {p.loss:.4g}")
            if p.eval_loss is not None:
                parts.append(f"dev {p.eval_loss:.4g}")
            if p.learning_rate is not None:
                parts.append(f"lr {p.learning_rate:.2e}")
            if p.tokens_per_second is not None:
                parts.append(f"{p.tokens_per_second:.0f} tok/s")
            bar.update(
                task,
                completed=p.step,
                total=p.total,
                description="training" if p.step else "starting",
                metrics="  ".join(parts),
            )

        yield show
