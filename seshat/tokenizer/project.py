"""Tokenizer analysis (``seshat tokenizer check``) and vocabulary extension (``... extend``).

Both read the project's own data: the cleaned records for the check, the training split for
learning new tokens and the dev/test splits for measuring them on text they were not learned from.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from seshat.config.models import Project
from seshat.corpus.jsonl import read_segments
from seshat.data.split import SPLITS_DIR
from seshat.tokenizer.fertility import (
    Pair,
    Side,
    TokenizerError,
    Vocabulary,
    longest_splits,
    measure,
    recommend,
)
from seshat.yamlio import atomic_write_text, remove_tree, replace_dir

CHECK_FILE = Path("data/tokenizer/check.json")
MANIFEST = "seshat-tokenizer.json"
SCRIPTS = Path(__file__).resolve().parent / "scripts"
TOKENIZER_FILES = (
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "generation_config.json",
)


def base_vocabulary(spec: Project, root: Path, tokenizer: Path | None) -> Vocabulary:
    """The tokenizer to measure: ``--tokenizer`` or the local base model's.

    Raises:
        TokenizerError: The base model is a hub id and no tokenizer file was given.
    """
    if tokenizer is not None:
        return Vocabulary(tokenizer)
    local = spec.model.local_path(root)
    if local is None:
        raise TokenizerError(
            f"model.base is the hub id {spec.model.base!r}; the check needs the tokenizer on disk.",
            "download the model into a folder and set model.base to it, or pass --tokenizer "
            "PATH/tokenizer.json",
        )
    return Vocabulary(local)


def _pairs(files: list[Path]) -> list[Pair]:
    return [
        Pair(segment.kind, segment.text, segment.translation)
        for path in files
        for segment in read_segments(path)
    ]


def project_pairs(root: Path, folder: str) -> list[Pair]:
    """Records of ``data/<folder>/*.jsonl``.

    Raises:
        TokenizerError: No records there yet.
    """
    files = sorted((root / "data" / folder).glob("*.jsonl"))
    pairs = _pairs(files)
    if not pairs:
        raise TokenizerError(
            f"No records in {root / 'data' / folder}.",
            "build the data first: `seshat data run`",
        )
    return pairs


def check(
    spec: Project, root: Path, tokenizer: Path | None = None, threshold: float = 3.0
) -> dict[str, Any]:
    """Measure the base tokenizer on the project's cleaned records; write ``data/tokenizer/check.json``.

    Args:
        spec: The project config.
        root: Project folder.
        tokenizer: A ``tokenizer.json`` (or folder) to use instead of the base model's.
        threshold: Recommend extension above this target/source tokens-per-word ratio.

    Returns:
        The report (also written to ``data/tokenizer/check.json``).
    """
    vocabulary = base_vocabulary(spec, root, tokenizer)
    pairs = project_pairs(root, "clean")
    return report(vocabulary, pairs, spec, threshold, root / CHECK_FILE)


def report(
    vocabulary: Vocabulary, pairs: list[Pair], spec: Project, threshold: float, out: Path | None
) -> dict[str, Any]:
    """The fertility report of ``pairs`` (written to ``out`` when given)."""
    sides = measure(vocabulary, pairs)
    target = sides["target"].get("all")
    if target is None:
        raise TokenizerError("The records hold no target-language text.", "check the sources")
    source = sides["source"].get("all") or Side()
    found = {
        "tokenizer": str(vocabulary.path),
        "vocabulary_size": vocabulary.size,
        "target_language": spec.language.name,
        "source_language": spec.source_language.name,
        "target": {kind: side.summary() for kind, side in sorted(sides["target"].items())},
        "source": {kind: side.summary() for kind, side in sorted(sides["source"].items())},
        "longest_splits": longest_splits(vocabulary, (p.target for p in pairs)),
        "recommendation": recommend(target, source, threshold, spec.source_language.name),
    }
    if out is not None:
        atomic_write_text(out, json.dumps(found, indent=2, ensure_ascii=False) + "\n")
    return found


def _texts(root: Path, names: tuple[str, ...]) -> list[str]:
    texts = []
    for name in names:
        path = root / SPLITS_DIR / f"{name}.jsonl"
        if path.is_file():
            texts += [segment.text for segment in read_segments(path)]
    return texts


def _held_out_fertility(vocabulary: Vocabulary, texts: list[str]) -> dict[str, Any]:
    pairs = [Pair("held_out", text, None) for text in texts]
    return measure(vocabulary, pairs)["target"]["all"].summary()


def extend(
    spec: Project,
    root: Path,
    out: Path,
    python: Path,
    tokens: int = 1000,
    log: Path | None = None,
) -> dict[str, Any]:
    """Learn target-language tokens, add them and give the base model the matching rows.

    Args:
        spec: The project config (``model.base`` must be a local folder).
        root: Project folder.
        out: Folder for the extended model (replaced only when everything succeeded).
        python: A backend env's Python (torch, transformers) for the resize.
        tokens: How many vocabulary entries to add at most.
        log: Log file of the resize subprocess.

    Returns:
        The manifest written to ``out/seshat-tokenizer.json``.

    Raises:
        TokenizerError: No local model, no training split, no held-out text, or the resize failed.
    """
    from seshat.process.runner import run_logged
    from seshat.tokenizer.extend import extended_spec

    base = spec.model.local_path(root)
    if base is None:
        raise TokenizerError(
            f"model.base is the hub id {spec.model.base!r}; extension needs the model on disk.",
            "download the model into a folder and set model.base to it",
        )
    vocabulary = Vocabulary(base)
    train = _texts(root, ("train",))
    held_out = _texts(root, ("dev", "test"))
    if not train or not held_out:
        raise TokenizerError(
            "Extension needs the training split and a dev or test split of the target text.",
            "build the data first: `seshat data run`",
        )
    new_spec, added, pieces = extended_spec(vocabulary, train, tokens)
    if not added:
        raise TokenizerError(
            "No target-language string would save tokens: the base tokenizer already covers them.",
            "keep the tokenizer",
        )
    base_ids = vocabulary.spec["model"]["vocab"]
    new_ids = new_spec["model"]["vocab"]
    rows = {
        new_ids[token]: [base_ids[t.value] for t in vocabulary.tokenizer.model.tokenize(token)]
        for token in added
    }
    scratch = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    (scratch / "tokenizer.json").write_text(
        json.dumps(new_spec, ensure_ascii=False), encoding="utf-8"
    )
    for name in TOKENIZER_FILES:
        if (base / name).is_file():
            shutil.copy2(base / name, scratch / name)
    (scratch / "new_rows.json").write_text(json.dumps(rows), encoding="utf-8")
    done = run_logged(
        [python, SCRIPTS / "resize_model.py", base, scratch, scratch / "new_rows.json"],
        log or scratch / "resize.log",
    )
    if not done.ok:
        tail = "\n    ".join(done.tail[-12:])
        remove_tree(scratch)
        raise TokenizerError(
            f"Resizing the model failed (exit code {done.returncode}):\n    {tail}",
            "check that the backend env works (`seshat backend list`) and that the model loads",
        )
    resized = json.loads(next(line for line in reversed(done.tail) if line.startswith("{")))
    (scratch / "new_rows.json").unlink()
    extended = Vocabulary(scratch)
    readable = [extended.tokenizer.decode([new_ids[token]]) for token in added]
    manifest = {
        "base_model": str(base),
        "base_tokenizer_size": vocabulary.size,
        "added": len(added),
        "tokens": readable,
        "model": resized,
        "sentencepiece": {
            "model_type": "unigram",
            "train_texts": len(train),
            "pieces": pieces,
        },
        "held_out": {
            "texts": len(held_out),
            "before": _held_out_fertility(vocabulary, held_out),
            "after": _held_out_fertility(extended, held_out),
        },
        "train_embeddings": "new rows start as the mean of their old pieces; training.train_embeddings "
        "'auto' trains the embedding (and output head) when model.base holds this file",
    }
    atomic_write_text(scratch / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    replace_dir(scratch, out)  # the previous extension stays whole until the new one is in place
    return manifest


def is_extended(model_dir: Path | None) -> bool:
    """Whether a local model folder was made by ``seshat tokenizer extend``."""
    return model_dir is not None and (model_dir / MANIFEST).is_file()


__all__ = ["TokenizerError", "check", "extend", "is_extended"]
