"""``seshat backend install NAME`` and ``seshat backend list``."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.kinds import Flavour
from seshat.plugins import backend_names

# the tool envs (seshat.envs.tools), named here without importing them
TOOL_NAMES = ("llamacpp", "skypilot", "dvc")


@click.group()
def backend() -> None:
    """Install and list the managed venvs (one per backend or tool x device).

    NAME is a trainer (a registered plug-in: axolotl, llamafactory, ...), llamacpp (the llama.cpp
    runtime that GGUF export, evaluation, serving and the demo use), skypilot (the cloud launcher)
    or dvc (data versioning: `seshat data dvc`).
    """


@backend.command("install")
@click.argument("name", type=click.Choice([*backend_names(), *TOOL_NAMES]))
@click.option(
    "--device",
    type=click.Choice([f.value for f in Flavour]),
    default="cpu",
    show_default=True,
    help="Which torch build the env gets (rocm-gfx1151: AMD's wheels built for Strix Halo).",
)
@click.option(
    "--requirements",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this requirement file instead of the shipped, pinned one.",
)
@click.option("--force", is_flag=True, help="Rebuild even if a matching env exists.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="llamacpp: also compile llama.cpp again instead of reusing the cached wheel (10-30 min).",
)
def install(name: str, device: str, requirements: Path | None, force: bool, rebuild: bool) -> None:
    """Build the venv NAME from pinned requirements (cached by their hash).

    The llama.cpp runtime is smoke-tested after it is built: a real GGUF of each quantization
    type must generate a few tokens on this CPU, or the build is refused.
    """
    from rich.console import Console

    from seshat.env_progress import env_progress
    from seshat.environments import install as build

    if rebuild and name != "llamacpp":
        raise click.UsageError("--rebuild is for llamacpp (the one env Seshat compiles).")
    if rebuild:
        click.echo("Compiling llama.cpp again: 10-30 minutes on 2 cores.", err=True)
    console = Console(stderr=True)
    with env_progress(console, name, device) as progress:
        env, built = build(
            name,
            device,
            requirements=requirements,
            force=force,
            rebuild=rebuild,
            on_line=progress.on_line,
            on_step=progress.on_step,
        )
    versions = ", ".join(f"{k} {v}" for k, v in sorted(env.info.get("versions", {}).items()))
    verb = f"Built in {env.info.get('build_seconds')} s" if built else "Already installed (cached)"
    click.echo(f"{verb}: {name} ({device}) at {env.path}\n  {versions}")


@backend.command("list")
def list_() -> None:
    """Show every installed env: backend, device, versions, whether its pins are current, size."""
    from rich.console import Console
    from rich.table import Table

    from seshat.environments import installed_envs, planned_env
    from seshat.paths import seshat_home

    table = Table(title=f"Backend environments in {seshat_home() / 'envs'}")
    for column in ("backend", "device", "versions", "pins", "built", "path"):
        table.add_column(column)
    envs = installed_envs()
    for env in envs:
        current = planned_env(env.name, env.device).key == env.key
        versions = ", ".join(f"{k} {v}" for k, v in sorted(env.info.get("versions", {}).items()))
        table.add_row(
            env.name,
            env.device,
            versions,
            "current" if current else "outdated",
            env.info.get("built_at", "?"),
            str(env.path),
        )
    Console().print(table)
    if not envs:
        click.echo(
            f"None installed. Next: `seshat backend install {backend_names()[0]}` "
            f"(trainers: {', '.join(backend_names())})."
        )
