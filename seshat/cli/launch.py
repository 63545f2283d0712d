"""``seshat launch``."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import load, overrides_argument, project_option


@click.command()
@click.option("--dry-run", is_flag=True, help="Render and validate the task; launch nothing.")
@click.option("--keep", is_flag=True, help="Leave the cluster up after the run.")
@project_option
@overrides_argument
def launch(dry_run: bool, keep: bool, project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Train on rented GPUs through SkyPilot, from the same spec (e.g. profile=cloud-a100-80b).

    The access policy decides first: by default only public data may go to a cloud
    (access.rules.cloud_launch; an explicit override needs a reason:
    access.overrides.cloud_launch="who agreed, when").
    """
    from rich.console import Console

    from seshat.env_progress import env_progress
    from seshat.environments import install
    from seshat.runs.cloud import SKYPILOT, render_task, validate_task
    from seshat.runs.cloud import launch as run_launch

    project = load(project_dir, overrides)
    task = render_task(project)
    with env_progress(Console(stderr=True), SKYPILOT) as progress:
        env, built = install(SKYPILOT, "cpu", on_line=progress.on_line, on_step=progress.on_step)
    if built:
        click.echo(f"Built SkyPilot's env at {env.path} (once; cached).")
    validate_task(task.task, env)
    click.echo(
        f"Task: {task.task} (valid for SkyPilot); {len(task.mounts)} file mounts in "
        f"{task.folder / 'mounts.json'}."
    )
    if task.decision.override:
        click.echo(f"Access override used for cloud_launch: {task.decision.override}")
    if dry_run:
        click.echo("Dry run: nothing launched. Launch with `seshat launch` (same settings).")
        return
    record = run_launch(project, task, keep=keep, on_line=lambda line: click.echo(f"  {line}"))
    click.echo(
        f"Done: runs copied back into {project.root / 'runs'} ({len(record['steps'])} steps)."
    )
