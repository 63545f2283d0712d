"""``seshat init`` and ``seshat config``."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import load, overrides_argument, project_option
from seshat.plugins import backend_names


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--language",
    "name",
    required=True,
    help="Name of the language to teach, e.g. 'Shipibo-Konibo'.",
)
@click.option("--code", required=True, help="Its code (ISO 639-3 when there is one), e.g. 'shp'.")
@click.option(
    "--source-language",
    "source_name",
    default="Spanish",
    show_default=True,
    help="Language of the translations.",
)
@click.option("--source-code", default="es", show_default=True, help="Its code.")
@click.option(
    "--model",
    default="Qwen/Qwen3-14B",
    show_default=True,
    help="Base model: hub id or local folder.",
)
@click.option(
    "--backend",
    type=click.Choice(backend_names()),
    default="axolotl",
    show_default=True,
)
@click.option("--profile", default="strix-halo", show_default=True, help="Hardware profile.")
@click.option("--force", is_flag=True, help="Overwrite an existing seshat.yaml.")
def init(
    folder: Path,
    name: str,
    code: str,
    source_name: str,
    source_code: str,
    model: str,
    backend: str,
    profile: str,
    force: bool,
) -> None:
    """Create FOLDER with a commented seshat.yaml, data/raw/, data/formatted/ and runs/."""
    from seshat.scaffold import scaffold

    path = scaffold(
        folder,
        name=name,
        code=code,
        source_name=source_name,
        source_code=source_code,
        model=model,
        backend=backend,
        profile=profile,
        force=force,
    )
    click.echo(f"Created {path} and a justfile (`just --list` in {folder} shows its recipes).")
    click.echo(
        f"Next: `seshat doctor -C {folder}` checks this machine; put your files in "
        f"{folder / 'data' / 'raw'}, declare them under `sources:` in seshat.yaml, then run "
        f"`seshat render -C {folder}` (or `just render` there) to see the training config."
    )


@click.group()
def config() -> None:
    """Show the resolved config or every accepted key."""


@config.command("show")
@project_option
@overrides_argument
def show(project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Print the validated config with overrides applied and defaults filled in."""
    from seshat.yamlio import dump_yaml

    project = load(project_dir, overrides)
    click.echo(dump_yaml(project.spec.model_dump(mode="json", by_alias=False)), nl=False)


@config.command("schema")
def schema() -> None:
    """List every accepted key of seshat.yaml with its type, default and description."""
    from seshat.config.schema_doc import describe

    click.echo(describe())


@config.command("formats")
def formats() -> None:
    """List every source format with its options, defaults and an example (docs/formats.md)."""
    from seshat.config.schema_doc import describe_formats

    click.echo(describe_formats(), nl=False)
