"""``seshat tokenizer check`` and ``seshat tokenizer extend``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from seshat.cli.options import load, overrides_argument, project_option


@click.group()
def tokenizer() -> None:
    """Measure the base model's tokenizer on the project's language, or extend it."""


@tokenizer.command()
@project_option
@click.option(
    "--tokenizer",
    "tokenizer_path",
    type=click.Path(path_type=Path, exists=True),
    help="A tokenizer.json (or model folder) instead of the base model's.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(min=1.0),
    default=3.0,
    show_default=True,
    help="Recommend extension above this target/source tokens-per-word ratio.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@overrides_argument
def check(
    project_dir: Path,
    tokenizer_path: Path | None,
    threshold: float,
    as_json: bool,
    overrides: tuple[str, ...],
) -> None:
    """Tokens per word, characters per token and byte fallback, target vs source language."""
    from seshat.tokenizer.project import CHECK_FILE
    from seshat.tokenizer.project import check as do_check

    project = load(project_dir, overrides)
    found = do_check(project.spec, project.root, tokenizer_path, threshold)
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    _print_check(found)
    click.echo(f"Report: {project.root / CHECK_FILE}")


def _print_check(found: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(
        "language",
        "data kind",
        "texts",
        "tokens/word",
        "chars/token",
        "byte fallback",
        title=f"{found['tokenizer']} ({found['vocabulary_size']} tokens)",
    )
    for side, name in (("target", found["target_language"]), ("source", found["source_language"])):
        for kind, row in found[side].items():
            table.add_row(
                name,
                kind,
                str(row["texts"]),
                f"{row['tokens_per_word']:.2f}",
                f"{row['chars_per_token']:.2f}",
                f"{row['byte_fallback_rate']:.1%}",
            )
    console.print(table)
    split = Table("word", "tokens", "pieces", "count", title="Words split the most")
    for row in found["longest_splits"]:
        split.add_row(row["word"], str(row["tokens"]), " | ".join(row["pieces"]), str(row["count"]))
    console.print(split)
    advice = found["recommendation"]
    console.print(f"[bold]{'Extend' if advice['extend'] else 'Keep'} the tokenizer.[/]")
    for reason in advice["reasons"]:
        console.print(f"- {reason}")


@tokenizer.command()
@project_option
@click.option(
    "--tokens",
    type=click.IntRange(min=1, max=100_000),
    default=1000,
    show_default=True,
    help="Vocabulary entries to add at most.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the extended model [default: models/<base>-<language code>].",
)
@overrides_argument
def extend(project_dir: Path, tokens: int, out: Path | None, overrides: tuple[str, ...]) -> None:
    """Add target-language tokens to the base model's tokenizer and embedding matrix."""
    from seshat.environments import find_env, require_env
    from seshat.kinds import FLAVOURS_GPU_FIRST
    from seshat.tokenizer.project import extend as do_extend

    project = load(project_dir, overrides)
    spec = project.spec
    base = spec.model.local_path(project.root)
    name = f"{base.name if base else 'model'}-{spec.language.code}"
    target = (project.root / (out or Path("models") / name)).resolve()
    found = [find_env(spec.backend, device) for device in FLAVOURS_GPU_FIRST]
    env = next((e for e in found if e is not None), None) or require_env(
        spec.backend, "cpu", "`seshat tokenizer extend` resizes the model with it"
    )
    log = project.root / ".seshat" / "logs" / "tokenizer-extend.log"
    manifest = do_extend(spec, project.root, target, env.python, tokens, log)
    held = manifest["held_out"]
    click.echo(
        f"Added {manifest['added']} tokens; held-out target text ({held['texts']} texts): "
        f"{held['before']['tokens_per_word']:.2f} -> {held['after']['tokens_per_word']:.2f} "
        f"tokens/word. Embedding rows {manifest['model']['rows_before']} -> "
        f"{manifest['model']['rows_after']}."
    )
    click.echo(f"Extended model: {target}")
    relative = target.relative_to(project.root) if target.is_relative_to(project.root) else target
    click.echo(
        f"Next: set `model.base: {relative}` in seshat.yaml (the embeddings are then trained, "
        "training.train_embeddings: auto), then `seshat train`."
    )
