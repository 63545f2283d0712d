"""``seshat labels list | fetch PROJECT_ID``: Local Contexts TK/BC labels and notices."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import project_option


@click.group()
def labels() -> None:
    """List a project's Local Contexts labels, or fetch them from the Local Contexts Hub."""


@labels.command("list")
@project_option
def list_(project_dir: Path) -> None:
    """Each label of the project and its sources, and the access level it raises a source to."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from seshat.config.loader import load_project
    from seshat.labels.applied import spec_labels

    project = load_project(project_dir)
    spec = project.spec
    found = spec_labels(spec.model_dump(mode="json"))
    console = Console()
    if not found:
        console.print(
            "No Local Contexts labels in seshat.yaml. `seshat labels fetch PROJECT_ID` reads a "
            "project's labels from the Local Contexts Hub."
        )
        return
    table = Table(title="Local Contexts labels (docs/access.md: what each raises a source to)")
    for column in ("applied to", "label", "raises to", "Hub id"):
        table.add_column(column)
    for label in found:
        table.add_row(
            escape(label.holder), escape(label.name), label.level or "-", escape(label.id)
        )
    console.print(table)
    for source in spec.sources:
        level = spec.access_of(source).value
        raised = f", raised to {level} by labels" if level != source.access.value else ""
        console.print(f"source {escape(source.id)}: declared {source.access.value}{raised}")


@labels.command("levels")
def levels() -> None:
    """Print the table of what each label raises a source to (docs/access.md)."""
    from seshat.labels.levels import level_table

    click.echo(level_table(), nl=False)


@labels.command("fetch")
@project_option
@click.argument("project_id", metavar="PROJECT_ID")
@click.option(
    "--hub",
    default=None,
    metavar="URL",
    help="The Hub's API address (default https://localcontextshub.org/api/v2; the sandbox: "
    "https://sandbox.localcontextshub.org/api/v2).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=20.0,
    show_default=True,
    help="Seconds to wait.",
)
@click.option("--write", "source", metavar="SOURCE_ID", help="Add them to this source's labels.")
@click.option("--write-project", is_flag=True, help="Add them to the labels of the whole project.")
def fetch(
    project_dir: Path,
    project_id: str,
    hub: str | None,
    timeout: float,
    source: str | None,
    write_project: bool,
) -> None:
    """Read a Local Contexts project's labels and notices from the Hub and print them as YAML.

    \b
    PROJECT_ID is the project's id on the Local Contexts Hub, or its page's address.
    The API key comes from LOCAL_CONTEXTS_API_KEY (environment or keyring).
    --write SOURCE_ID adds them to that source in seshat.yaml (--write-project: to the project);
    only that labels list is rewritten, the rest of the file and its comments stay.
    """  # noqa: D301
    from seshat.errors import ConfigError
    from seshat.kinds import label_level
    from seshat.labels.hub import HUB, fetch_project, hub_labels
    from seshat.labels.hub import project_id as parse_id
    from seshat.labels.yaml_edit import labels_block, write_labels

    if source and write_project:
        raise ConfigError(
            "--write SOURCE_ID and --write-project both given.",
            "choose one: a source's labels, or the whole project's",
        )
    unique_id = parse_id(project_id)
    answer = fetch_project(unique_id, hub or HUB, timeout=timeout)
    found = hub_labels(answer, unique_id)
    title = f' ("{answer["title"]}")' if isinstance(answer.get("title"), str) else ""
    if not found:
        click.echo(f"Local Contexts project {unique_id}{title} has no labels or notices yet.")
        return
    click.echo(f"# Local Contexts project {unique_id}{title}, read from {hub or HUB}")
    for label in found:
        level = label_level(label["name"], label.get("type"))
        raises = f"raises a source to at least {level}" if level else "raises no level (a note)"
        click.echo(f"# {label['name']}: {raises}")
    click.echo(labels_block(found), nl=False)
    if source or write_project:
        written = write_labels(project_dir, found, None if write_project else source)
        where = "the project" if written.holder is None else f"source {written.holder}"
        click.echo(
            f"Written into {written.path} ({where}): {len(written.added)} added, "
            f"{len(written.replaced)} updated. `seshat labels list` shows what each raises.",
            err=True,
        )
