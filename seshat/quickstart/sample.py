"""The quickstart's sample project and the small models it runs with."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from seshat import project_justfile
from seshat.config.loader import LoadedProject
from seshat.config.models import SourceFormat
from seshat.errors import ConfigError
from seshat.models.embedded import assemble_whisper
from seshat.models.gguf_import import import_gguf
from seshat.packaged_models import SMOLLM2, smollm2_gguf
from seshat.paths import shipped_dir


def sample_dir() -> Path:
    """The shipped sample project."""
    return shipped_dir("examples") / "quickstart"


def copy_sample(folder: Path) -> bool:
    """Copy the sample project into ``folder`` unless it already holds one; True if copied.

    An existing ``seshat.yaml`` is kept (the user may have edited it); missing sample files
    (raw data, templates) are put back. The project justfile is written as ``seshat init`` does.
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
    project_justfile.write(folder)
    return fresh


def prepare_models(project: LoadedProject) -> dict[str, Any]:
    """Import SmolLM2 into ``model.base`` and Whisper base into each audio source's model folder.

    Both are made once: a folder already there from the same files is kept.

    Raises:
        ConfigError: ``model.base`` is a hub id, not a local folder to import into.
    """
    spec = project.spec
    for source in spec.sources:
        if source.format is SourceFormat.audio and source.options.get("model"):
            assemble_whisper(project.root / str(source.options["model"]))
    target = spec.model.local_path(project.root)
    if target is None:
        raise ConfigError(
            f"model.base is the hub id {spec.model.base!r}: the quickstart imports its model "
            "into a local folder.",
            "set `model.base: ./models/smollm2-135m-instruct` in seshat.yaml",
        )
    about = {k: SMOLLM2[k] for k in ("package", "version", "license", "upstream")}
    return import_gguf(smollm2_gguf(), target, spec.backend, about=about)
