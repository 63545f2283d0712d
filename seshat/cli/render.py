"""``seshat render`` and ``seshat check``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from seshat.cli.options import load, overrides_argument, project_option

if TYPE_CHECKING:
    from seshat.trainer_config import Prepared


def _prepare(project_dir: Path, overrides: tuple[str, ...]) -> Prepared:
    from seshat.trainer_config import prepare

    return prepare(load(project_dir, overrides))


@click.command()
@project_option
@click.option("--print", "show", is_flag=True, help="Also print the rendered config.")
@overrides_argument
def render(project_dir: Path, show: bool, overrides: tuple[str, ...]) -> None:
    """Render the backend config for the project's profile (or profile=NAME) and show what changed."""
    from seshat.trainer_config import render as do_render
    from seshat.trainer_config import write_render

    prepared = _prepare(project_dir, overrides)
    rendered = do_render(prepared)
    path, diff = write_render(prepared, rendered)
    if prepared.resolved.reason:
        click.echo(f"Profile: {prepared.resolved.reason}")
    click.echo(
        f"Rendered {prepared.backend.name} config for profile {prepared.resolved.profile.name}: {path}"
    )
    if show:
        click.echo(rendered.yaml_text)
    if diff:
        click.echo(diff, nl=False)
    elif diff == "":
        click.echo("No change since the previous render.")


@click.command()
@project_option
@click.option(
    "--strict-only", is_flag=True, help="Skip the backend's own validator (no backend env needed)."
)
@overrides_argument
def check(project_dir: Path, strict_only: bool, overrides: tuple[str, ...]) -> None:
    """Render, then check the config strictly (no backend import) and with the backend's own validator."""
    from seshat.errors import CheckError
    from seshat.trainer_config import CheckReport, backend_check, strict_check, write_render
    from seshat.trainer_config import render as do_render

    prepared = _prepare(project_dir, overrides)
    rendered = do_render(prepared)
    path, _ = write_render(prepared, rendered)
    report = CheckReport()
    strict_check(prepared, rendered, report)
    label = f"{prepared.backend.name} config for {prepared.resolved.profile.name} ({path})"
    if report.strict:
        raise CheckError(
            f"The {label} has {len(report.strict)} problem(s) (strict check against {report.snapshot}):",
            [str(p) for p in report.strict],
            "fix seshat.yaml, the profile or a project template, then `seshat check` again",
        )
    click.echo(f"Strict check passed in {report.strict_seconds * 1000:.0f} ms: {label}")
    if strict_only:
        return
    backend_check(prepared, path, report)
    if report.backend_errors:
        raise CheckError(
            f"{prepared.backend.name}'s own validator rejected the {label}:",
            report.backend_errors,
            f"see {path.parent / 'check.log'}; fix seshat.yaml or the profile, then `seshat check` again",
        )
    notes = f" ({'; '.join(report.backend_notes)})" if report.backend_notes else ""
    click.echo(
        f"{prepared.backend.name}'s own validator passed in {report.backend_seconds:.1f} s{notes}."
    )
