"""The quickstart's sample project and the small models it runs with."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from seshat.models.embedded import SMOLLM2, assemble_whisper, smollm2_gguf
from seshat.models.gguf_import import import_gguf
from seshat.paths import shipped_dir

MODEL_DIR = Path("models") / str(SMOLLM2["name"])
WHISPER_DIR = Path("models") / "whisper-base"


def sample_dir() -> Path:
    """The shipped sample project."""
    return shipped_dir("examples") / "quickstart"


def copy_sample(folder: Path) -> bool:
    """Copy the sample project into ``folder`` unless it already holds one; True if copied.

    An existing ``seshat.yaml`` is kept (the user may have edited it); missing sample files
    (raw data, templates) are put back.
    """
    source = sample_dir()
    fresh = not (folder / "seshat.yaml").exists()
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or "__pycache__" in rel.parts:
            continue
        target = folder / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return fresh


def prepare_models(folder: Path, backend: str) -> dict[str, Any]:
    """Import SmolLM2 from its packaged GGUF and assemble Whisper base, once; return the manifest."""
    assemble_whisper(folder / WHISPER_DIR)
    about = {k: SMOLLM2[k] for k in ("package", "version", "license", "upstream")}
    return import_gguf(smollm2_gguf(), folder / MODEL_DIR, backend, about=about)
