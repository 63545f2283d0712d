"""``seshat runs``: list, show, compare and sync runs."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import project_option


@click.group()
def runs() -> None:
    """List and inspect runs."""


@runs.command("list")
@project_option
def list_(project_dir: Path) -> None:
    """Every run of the project: id, state, backend, profile, steps, duration."""
    from rich.console import Console
    from rich.table import Table

    from seshat.run_records import RunRecordError, read_json

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
        try:
            status = read_json(status_file.parent, "status.json")
        except RunRecordError:
            table.add_row(status_file.parent.name, "damaged (status.json unreadable)")
            continue
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


@runs.command("diff")
@click.argument("run_a", metavar="RUN_A")
@click.argument("run_b", metavar="RUN_B", default="latest")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@project_option
def diff(run_a: str, run_b: str, as_json: bool, project_dir: Path) -> None:
    """Settings that differ and results side by side (RUN_B defaults to the latest run)."""
    import json

    from rich.console import Console
    from rich.table import Table

    from seshat.runs.compare import diff as compare
    from seshat.runs.rundir import find_run

    root = project_dir.resolve()
    a, b = find_run(root, run_a), find_run(root, run_b)
    rows = compare(a, b)
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    console = Console()
    for title, body in (("Settings that differ", rows["settings"]), ("Results", rows["results"])):
        table = Table(title=title)
        for column in ("", a.run_id, b.run_id):
            table.add_column(column, overflow="fold")
        for key, left, right in body:
            table.add_row(key, str(left), str(right))
        if not body:
            table.add_row("(none)", "", "")
        console.print(table)


@runs.command("sync")
@click.argument("run_name", metavar="RUN", default="latest")
@project_option
def sync(run_name: str, project_dir: Path) -> None:
    """Upload RUN's offline W&B run (needs `wandb login` and network access)."""
    from seshat.runs.rundir import find_run
    from seshat.runs.tracking import sync_run

    run = find_run(project_dir.resolve(), run_name)
    click.echo(sync_run(run))
