"""``seshat doctor``: check this machine for a project, each row with its fix."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import overrides_argument, project_option, split_project_override

MARKS = {"ok": "[green]✓[/]", "fail": "[red]✗[/]", "warn": "[yellow]![/]", "skip": "[dim]-[/]"}


@click.command()
@project_option
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@overrides_argument
def doctor(project_dir: Path, as_json: bool, overrides: tuple[str, ...]) -> None:
    """Check Python, system programs, disk, memory, the envs, the GPU and llama.cpp.

    Run it first on a new machine, or when something fails. In a project folder it checks what
    that project needs (its OCR languages, backend, profile, plan); elsewhere a CPU setup.
    Exits with 1 when something the project needs is broken.

    \b
    Examples:
      seshat doctor
      seshat doctor profile=strix-halo-rocm
      seshat doctor --json
    """  # noqa: D301 (click's \b keeps the lines as they are)
    from rich.console import Console
    from rich.markup import escape

    from seshat.config.loader import load_project
    from seshat.doctor.facts import Needs, Probe, needs_of
    from seshat.doctor.report import diagnose, to_json

    items, folder = split_project_override(overrides, project_dir)
    console = Console()
    if (folder / "seshat.yaml").is_file():
        needs = needs_of(load_project(folder, items))
        where = f"project {folder.resolve()} (profile {needs.profile}, backend {needs.backend})"
    else:
        if items:
            raise click.UsageError(
                f"{folder.resolve()} holds no seshat.yaml, so {' '.join(items)} has nothing to "
                "override: run it in a project folder (or -C DIR)."
            )
        needs = Needs()
        where = "no project here: a CPU setup (llamafactory, llama.cpp)"

    def show(row: object) -> None:
        if not as_json:
            mark = MARKS[row.state]  # type: ignore[attr-defined]
            text = f"{mark} [bold]{escape(row.name)}[/]: {escape(row.detail)}"  # type: ignore[attr-defined]
            if row.fix and row.state != "ok":  # type: ignore[attr-defined]
                text += f"\n    [bold]fix:[/] {escape(row.fix)}"  # type: ignore[attr-defined]
            console.print(text, highlight=False, soft_wrap=True)

    if not as_json:
        console.print(f"[bold]seshat doctor[/] for {escape(where)}", highlight=False)
    rows = diagnose(Probe(), needs, on_row=show)
    broken = [r for r in rows if r.broken]
    if as_json:
        click.echo(to_json(rows))
    elif broken:
        console.print(
            f"[red]{len(broken)} problem(s)[/] stop this project: "
            + ", ".join(r.name for r in broken)
            + ". Each row above says the fix.",
            highlight=False,
        )
    else:
        console.print("[green]Nothing broken[/]: everything the project needs is here.")
    if broken:
        raise SystemExit(1)
