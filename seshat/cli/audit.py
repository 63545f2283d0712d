"""``seshat audit``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from seshat.cli.options import project_option


@click.command()
@project_option
@click.argument("target", default="latest")
@click.option("--json", "as_json", is_flag=True, help="Print the audit as JSON.")
def audit(project_dir: Path, target: str, as_json: bool) -> None:
    """Which sources (records per access level) flowed into TARGET, and where it went.

    TARGET is a run (id, prefix, latest), a GGUF or adapter (traced to its run), a formatted
    split or record file, or an exported dataset folder.
    """
    from seshat.audit import audit as run_audit

    found = run_audit(project_dir.resolve(), target)
    if as_json:
        click.echo(json.dumps(found, indent=2, sort_keys=True))
        return
    _print(found)


def _print(found: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{found['target']}[/] ({found.get('traced', 'run')}): inherited access level "
        f"[bold]{found['level']}[/]"
        + (f"; its model: [bold]{found['model_level']}[/]" if "model_level" in found else "")
    )
    table = Table(title="Records per source and access level")
    table.add_column("source")
    levels = list(found["levels"])
    for level in levels:
        table.add_column(level, justify="right")
    labels = found.get("labels") or {}
    if labels:
        table.add_column("Local Contexts labels")
    for source, by_level in sorted(found["sources"].items()):
        cells = [str(by_level.get(level, 0)) for level in levels]
        if labels:
            cells.append(", ".join(labels.get(source, [])))
        table.add_row(source, *cells)
    console.print(table)
    went = found.get("went")
    if not went:
        return
    wandb = went["wandb"]
    console.print(
        f"W&B: mode {wandb['mode']}, {len(wandb['offline_files'])} offline record(s), "
        f"{'uploaded ' + wandb['uploaded_at'] if wandb['uploaded_at'] else 'never uploaded'}; "
        f"backend logs {'sent' if wandb['logs_sent'] else 'kept out'}."
    )
    if went["export"]:
        console.print(f"Exported model files: {', '.join(went['export']['files'].values())}.")
    moves = Table(title="Access decisions (this run, then the project's data moves)")
    for column in ("when", "destination", "what", "allowed", "override"):
        moves.add_column(column)
    for d in [*went["decisions"], *went["project"]]:
        moves.add_row(
            d["at"], d["destination"], d["what"], str(d["allowed"]), d.get("override") or ""
        )
    console.print(moves)
