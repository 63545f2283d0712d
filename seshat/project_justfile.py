"""The small justfile that ``seshat init`` (and the quickstart) write into a project folder.

Its recipes only call ``seshat`` in that folder, passing every argument through, so the usage the
docs show (``just train profile=strix-halo training.max_steps=2``) works where the user's data
is. It names the ``seshat`` that wrote it (``SESHAT=...`` in the environment wins), so it works
without Seshat's venv on PATH. Once written it is the user's file: Seshat never overwrites it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from seshat.yamlio import atomic_write_text

NAME = "justfile"
# recipe -> (seshat command words, one line of help)
RECIPES: dict[str, tuple[str, str]] = {
    "doctor": (
        "doctor",
        "Check this machine for the project: programs, disk, memory, envs, llama.cpp.",
    ),
    "data-run": (
        "data run",
        "Every data stage whose inputs changed: ingest, clean, split, format.",
    ),
    "data-status": ("data status", "Where the data stands: counts per stage, kind, split."),
    "data-dvc": ("data dvc", "Write dvc.yaml: the data stages for DVC (`dvc repro`, `dvc push`)."),
    "tokenizer": ("tokenizer check", "Measure the base model's tokenizer on the language."),
    "plan": ("plan", "What a run will use on the profile, and whether it fits."),
    "render": ("render", "Render the trainer's config (key=value overrides pass through)."),
    "check": ("check", "Render, then check strictly and with the trainer's validator."),
    "train": ("train", "Train: `just train profile=strix-halo training.max_steps=2`."),
    "eval": (
        "eval",
        "Score a run beside the untuned model and controls: `just eval RUN baseline=base`.",
    ),
    "export": ("export", "Merge, convert, quantize and verify a GGUF: `just export RUN`."),
    "report": ("report", "HTML report of runs: `just report RUN`."),
    "serve": ("serve", "Serve a run's GGUF on 127.0.0.1 (OpenAI-compatible API)."),
    "translate": ("translate", 'Translate a sentence: `just translate RUN "texto" --to CODE`.'),
    "demo": ("demo", "The demo of a run's model on 127.0.0.1."),
    "launch": ("launch", "Train on rented GPUs: `just launch --dry-run profile=cloud-a100-80b`."),
    "audit": ("audit", "What data flowed into a run or file, and where it went."),
    "runs": ("runs list", "The project's runs."),
}


def seshat_program() -> str:
    """The ``seshat`` program of this installation (its absolute path where it can be found)."""
    beside = Path(sys.executable).parent / "seshat"
    if beside.is_file():
        return str(beside)
    return shutil.which("seshat") or "seshat"


def text(program: str | None = None) -> str:
    """The justfile's content."""
    program = program or seshat_program()
    lines = [
        "# Written by `seshat init`: each recipe calls seshat in this project, passing every",
        "# argument through, e.g. `just train profile=strix-halo training.max_steps=2`.",
        "# It is yours to edit; Seshat will not overwrite it. `just --list` shows the recipes.",
        "",
        "set positional-arguments",
        "",
        f"seshat := env_var_or_default('SESHAT', {_just_string(program)})",
        "",
        "# List the recipes.",
        "default:",
        "    @just --list --unsorted",
    ]
    for recipe, (words, help_) in RECIPES.items():
        lines += ["", f"# {help_}", f"{recipe} *args:", f'    @{{{{seshat}}}} {words} "$@"']
        if recipe == "train":
            lines += [
                "",
                "# Go on with an interrupted or failed run from its last checkpoint: `just resume RUN`.",
                "resume run='latest':",
                "    @{{seshat}} train resume={{quote(run)}}",
            ]
    return "\n".join(lines) + "\n"


def _just_string(value: str) -> str:
    """A just string literal (single-quoted: no escapes are interpreted)."""
    if "'" in value:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"'{value}'"


def write(folder: Path, program: str | None = None) -> Path | None:
    """Write ``folder/justfile`` unless one is there already; return its path when written."""
    path = folder / NAME
    if path.exists() or (folder / "Justfile").exists() or (folder / ".justfile").exists():
        return None
    atomic_write_text(path, text(program))
    return path
