"""``seshat merge``: merge a run's adapter into its base model."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import project_option


@click.command()
@click.argument("run_name", metavar="RUN", default="latest")
@click.option("--force", is_flag=True, help="Merge again even if runs/<id>/merged exists.")
@project_option
def merge(run_name: str, force: bool, project_dir: Path) -> None:
    """Merge RUN's LoRA adapter into its base model (runs/<id>/merged), with RUN's backend."""
    from seshat.runs.merge import merge_run

    record = merge_run(project_dir.resolve(), run_name, force=force)
    took = (
        " (already merged; --force merges again)"
        if record.get("reused")
        else (f" in {record['duration_s']:.0f} s")
    )
    click.echo(f"Merged model{took}: {record['path']} ({', '.join(record.get('files', []))})")
