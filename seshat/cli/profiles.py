"""``seshat profiles list | show NAME | cp NAME DEST``."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import project_option


@click.group()
def profiles() -> None:
    """List, show or copy hardware profiles (a project's profiles/ wins over shipped ones)."""


@profiles.command("list")
@project_option
def list_(project_dir: Path) -> None:
    """List every profile: name, device, usable memory, precision, where it comes from."""
    from rich.console import Console
    from rich.table import Table

    from seshat.paths import shipped_dir
    from seshat.profiles import AliasProfile, available, load_file

    table = Table(title="Hardware profiles")
    for column in ("name", "device", "usable memory", "precision", "4-bit", "from", "description"):
        table.add_column(column)
    for name, path in available(project_dir).items():
        profile = load_file(path)
        origin = "shipped" if path.parent == shipped_dir("profiles") else str(path.parent)
        if isinstance(profile, AliasProfile):
            targets = " | ".join(f"{k}: {v}" for k, v in profile.alias.items())
            table.add_row(name, "alias", "", "", "", origin, f"{profile.description} ({targets})")
            continue
        table.add_row(
            name,
            profile.device,
            f"{profile.memory.usable_gb:g} GB",
            profile.precision,
            "yes" if profile.supports_4bit else "no",
            origin,
            profile.description,
        )
    Console().print(table)


@profiles.command("show")
@click.argument("name")
@project_option
def show(name: str, project_dir: Path) -> None:
    """Print a profile file (for an alias: which profile it picks here, and why)."""
    from seshat.profiles import AliasProfile, available, load_file, resolve

    known = available(project_dir)
    resolved = resolve(name, project_dir)  # raises a clear error for an unknown name
    if isinstance(load_file(known[name]), AliasProfile):
        click.echo(f"# {resolved.reason}")
        click.echo(known[name].read_text(encoding="utf-8"))
        click.echo(f"# --- {resolved.profile.name} ({resolved.path}) ---")
    assert resolved.path is not None
    click.echo(resolved.path.read_text(encoding="utf-8"), nl=False)
    for line in machine_differences(resolved.profile):
        click.echo(f"# this machine: {line}")


def machine_differences(profile: object) -> list[str]:
    """What differs between a (local) profile and the machine Seshat runs on, in words."""
    from seshat.machine import machine_facts
    from seshat.profiles import Profile

    facts = machine_facts()
    if facts is None or not isinstance(profile, Profile) or profile.cloud is not None:
        return []
    found = []
    if facts.memory_gb is not None and facts.memory_gb < profile.memory.total_gb:
        found.append(
            f"memory.total_gb is {profile.memory.total_gb:g}, this machine has "
            f"{facts.memory_gb:.1f} GB (plans use the smaller)"
        )
    pinned = profile.env.get("OMP_NUM_THREADS")
    if pinned and pinned.isdigit() and int(pinned) != facts.cores:
        found.append(
            f"env.OMP_NUM_THREADS pins {pinned} threads, this machine gives Seshat {facts.cores} "
            "cores (remove it to follow the cores)"
        )
    elif not pinned:
        found.append(f"{facts.cores} cores: training uses {facts.cores} threads")
    return found


@profiles.command("cp")
@click.argument("name")
@click.argument("dest", type=click.Path(path_type=Path))
@project_option
def cp(name: str, dest: Path, project_dir: Path) -> None:
    """Copy profile NAME to DEST (a new name lands in the project's profiles/) to edit it."""
    from seshat.profiles import copy_profile

    path = copy_profile(name, dest, project_dir)
    click.echo(f"Copied {name} to {path}. Edit it, then use it with `profile={path.stem}`.")
