"""``seshat model import FILE.gguf``: a GGUF model as a Hugging Face folder the trainers can read.

transformers does the reading (weights dequantized to float32; tokenizer and chat template rebuilt
from the file's metadata) inside a backend env. It needs the ``gguf`` package, which the llama.cpp
runtime env carries as source (``gguf-py``, without install metadata): a one-file metadata stub
next to it lets transformers' version check find it, so no backend env needs another package.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from seshat.environments import require_env
from seshat.envs.llamacpp import converter_paths
from seshat.envs.managed import ManagedEnv
from seshat.errors import ModelError
from seshat.models.manifest import read_manifest, write_manifest
from seshat.paths import PACKAGE_DIR
from seshat.process.runner import run_json
from seshat.stamps import sha256_file
from seshat.yamlio import remove_tree, replace_dir

SCRIPT = PACKAGE_DIR / "models" / "scripts" / "gguf_to_hf.py"
RUNTIME = "llamacpp"
# below this, the tokenizer transformers rebuilt from the GGUF splits text into single letters
MIN_LETTERS_PER_TOKEN = 1.5


def gguf_pythonpath(runtime: ManagedEnv, scratch: Path) -> str:
    """PYTHONPATH that makes llama.cpp's ``gguf-py`` importable *and* visible to version checks."""
    _, pythonpath = converter_paths(runtime.path)
    gguf_py = Path(pythonpath.split(os.pathsep)[0])
    match = re.search(
        r'^version\s*=\s*"([^"]+)"', (gguf_py / "pyproject.toml").read_text("utf-8"), re.M
    )
    version = match.group(1) if match else "0.0.0"
    stub = scratch / f"gguf-{version}.dist-info"
    stub.mkdir(parents=True, exist_ok=True)
    (stub / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: gguf\nVersion: {version}\n", encoding="utf-8"
    )
    (stub / "top_level.txt").write_text("gguf\n", encoding="utf-8")
    return os.pathsep.join([str(scratch), pythonpath])


def _inherited_access(gguf: Path) -> dict[str, Any]:
    """The level and run a GGUF that Seshat exported carries (nothing for a third-party file)."""
    from seshat.gguf_header import GGUFHeaderError, read_metadata

    try:
        meta = read_metadata(gguf, ("seshat.access_level", "seshat.run_id"))
    except (OSError, GGUFHeaderError):
        return {}
    if "seshat.access_level" not in meta:
        return {}
    return {"access_level": meta["seshat.access_level"], "from_run": meta.get("seshat.run_id")}


def check_tokenizer(facts: dict[str, Any], gguf: Path) -> None:
    """Refuse a tokenizer rebuilt so that it splits text into single letters.

    transformers rebuilds some SentencePiece vocabularies from a GGUF (Gemma's, a BPE whose
    scores are ranks) as Unigram ones that prefer single letters: a model trained or evaluated
    through it would read text letter by letter, and nothing else would say so.

    Raises:
        ModelError: The sample sentence took fewer than :data:`MIN_LETTERS_PER_TOKEN` letters a
            token.
    """
    ratio = facts.get("letters_per_token")
    if ratio is not None and ratio < MIN_LETTERS_PER_TOKEN:
        raise ModelError(
            f"The tokenizer transformers rebuilt from {gguf} splits text into single letters "
            f"({ratio:.2f} letters a token on a sample sentence; a real vocabulary takes 2.5 or "
            "more). Training or evaluating through it would be useless, so nothing was written. "
            "This happens with SentencePiece-BPE vocabularies such as Gemma's.",
            "get the model as safetensors with its own tokenizer (`seshat model pull`, or a "
            "local folder as `model.base`)",
        )


def import_gguf(
    gguf: Path,
    out: Path,
    backend: str,
    device: str = "cpu",
    about: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``out`` (safetensors, tokenizer, chat template) from ``gguf``; keep it if up to date.

    Args:
        gguf: The GGUF file.
        out: The model folder to write (replaced only once the new one is complete).
        backend: Whose env's transformers reads the file (``axolotl`` or ``llamafactory``).
        device: That env's device flavour.
        about: More for the manifest (package, licence, upstream id).

    Returns:
        The folder's manifest.

    Raises:
        ModelError: No such file, transformers could not read it (its log tail in the message),
            or the tokenizer it rebuilt splits text into letters.
    """
    if not gguf.is_file():
        raise ModelError(
            f"No GGUF file at {gguf}.",
            "give the path of a .gguf file (`seshat model import FILE.gguf`)",
        )
    digest = sha256_file(gguf)
    existing = read_manifest(out)
    if existing is not None and existing.get("sha256") == digest:
        return existing
    env = require_env(backend, device)
    runtime = require_env(RUNTIME, "cpu", "the GGUF reader comes with llama.cpp's sources")
    scratch = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    log = out.with_name(f"{out.name}.import.log")
    try:
        facts = run_json(
            [env.python, SCRIPT, gguf.resolve(), scratch],
            log,
            f"Reading {gguf} with transformers (its architecture may not be one transformers "
            "can load from GGUF)",
            "import a GGUF of a supported architecture (llama, qwen2, qwen3, gemma3...), or get "
            "the model as safetensors (`seshat model pull`)",
            env={
                "PYTHONPATH": gguf_pythonpath(runtime, scratch.with_name(scratch.name + "-site")),
                "HF_HUB_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false",
            },
        )
        check_tokenizer(facts, gguf)
        manifest = write_manifest(
            scratch,
            {
                "origin": "gguf",
                "file": gguf.name,
                "sha256": digest,
                "read_with": f"transformers in the {backend}-{device} env",
                **facts,
                **(about or {}),
                **_inherited_access(gguf),
            },
        )
        replace_dir(scratch, out)
    finally:
        remove_tree(scratch)
        remove_tree(scratch.with_name(scratch.name + "-site"))
    return manifest
