"""``seshat train`` and ``seshat runs``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from seshat.cli.options import overrides_argument, project_option, split_project_override

if TYPE_CHECKING:
    from seshat.runs.train import Progress as RunProgress


@click.command()
@project_option
@overrides_argument
def train(project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Train through the backend: plan, render, check, create runs/<id>/, run, record."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from seshat.config.loader import load_project
    from seshat.runs.train import execute, start_run

    items, project_dir = split_project_override(overrides, project_dir)
    prepared, run, argv, env = start_run(load_project(project_dir, items))
    console = Console(stderr=True)
    if prepared.resolved.reason:
        console.print(f"Profile: {prepared.resolved.reason}")
    console.print(
        f"Run [bold]{run.run_id}[/]: {prepared.backend.name} on {prepared.resolved.profile.name} "
        f"({run.path})"
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

        try:
            status = execute(prepared, run, argv, env, on_progress=show)
        except KeyboardInterrupt:
            console.print(
                f"[yellow]Interrupted.[/] Run {run.run_id} is marked interrupted; its checkpoints and "
                f"logs are kept in {run.path}."
            )
            raise SystemExit(130) from None
    console.print(
        f"[green]Run {run.run_id} succeeded[/] in {status['duration_s']:.0f} s; output in {run.output}."
    )


@click.group()
def runs() -> None:
    """List and inspect runs."""


@runs.command("list")
@project_option
def list_(project_dir: Path) -> None:
    """Every run of the project: id, state, backend, profile, steps, duration."""
    import json

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Runs in {project_dir.resolve() / 'runs'}")
    for column in (
        "run",
        "state",
        "backend",
        "profile",
        "steps",
        "exit",
        "duration",
        "last checkpoint",
    ):
        table.add_column(column)
    for status_file in sorted((project_dir / "runs").glob("*/status.json")):
        status = json.loads(status_file.read_text(encoding="utf-8"))
        table.add_row(
            status_file.parent.name,
            status.get("state", "?"),
            status.get("backend", ""),
            status.get("profile", ""),
            str(status.get("steps_logged", "")),
            str(status.get("exit_code", "")),
            f"{status['duration_s']:.0f} s" if "duration_s" in status else "",
            status.get("last_checkpoint") or "",
        )
    Console().print(table)


@runs.command("show")
@click.argument("run_name", default="latest")
@project_option
def show(run_name: str, project_dir: Path) -> None:
    """Status, files and last metrics of RUN (an id, a unique prefix, or 'latest')."""
    import json

    from seshat.runs.rundir import find_run

    run = find_run(project_dir.resolve(), run_name)
    click.echo(json.dumps(run.status(), indent=2, sort_keys=True))
    metrics = run.path / "metrics.jsonl"
    if metrics.is_file():
        rows = [line for line in metrics.read_text(encoding="utf-8").splitlines() if line.strip()]
        click.echo(f"\nmetrics.jsonl: {len(rows)} rows; last: {rows[-1] if rows else '-'}")
    click.echo("\nfiles: " + ", ".join(sorted(p.name for p in run.path.iterdir())))
