"""``seshat model pull``: a base model from the Hugging Face hub (or a local folder) into models/.

Only what training and export need is fetched: safetensors weights, configs, tokenizer files and
chat templates; never pickled ``.bin``/``.pth`` weights, GGUFs or remote code. The hub's commit is
pinned in the folder's manifest, so a run records exactly which weights it started from. A token
(``HF_TOKEN``, for gated models) is read from the environment and never written anywhere.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from seshat.errors import ModelError
from seshat.models.manifest import read_manifest, write_manifest
from seshat.stamps import sha256_file
from seshat.yamlio import remove_tree, replace_dir

WANTED = (
    "*.safetensors",
    "*.safetensors.index.json",
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
    "*.tiktoken",
    "chat_template.jinja",
    "chat_template.json",
    "LICENSE*",
    "README.md",
)


def default_folder(models_dir: Path, repo: str) -> Path:
    """``models/<name>`` for a hub id (``Qwen/Qwen3-14B`` -> ``models/qwen3-14b``) or a folder."""
    return models_dir / Path(repo.rstrip("/")).name.lower()


def _wanted(name: str) -> bool:
    return any(fnmatch(Path(name).name, pattern) for pattern in WANTED) and "/" not in name


def pull(
    repo: str,
    out: Path,
    revision: str | None = None,
    on_file: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fetch ``repo`` (hub id or local folder) into ``out``; return the folder's manifest.

    An existing ``out`` pulled from the same repo and commit is kept as it is.

    Raises:
        ModelError: No such repo or revision, a gated model without access, no network, or a
            folder without weights.
    """
    local = Path(repo).expanduser()
    if local.is_dir():
        return _copy_local(local.resolve(), out, on_file)
    if repo.count("/") != 1 or repo.startswith((".", "/", "~")):
        raise ModelError(
            f"{repo!r} is neither a local folder nor a hub id like 'Qwen/Qwen3-14B'.",
            "give a hub id (owner/name) or the path of a model folder",
        )
    commit, files = _hub_listing(repo, revision)
    existing = read_manifest(out)
    if existing is not None and existing.get("repo") == repo and existing.get("commit") == commit:
        return existing
    wanted = sorted(f for f in files if _wanted(f))
    if not any(f.endswith(".safetensors") for f in wanted):
        raise ModelError(
            f"{repo} at {commit[:12]} has no safetensors weights (files: "
            f"{', '.join(sorted(files)[:8])}{'...' if len(files) > 8 else ''}).",
            "pick a repo that publishes safetensors; a GGUF file goes through "
            "`seshat model import FILE.gguf`",
        )
    scratch = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    try:
        for name in wanted:
            _download(repo, commit, name, scratch)
            if on_file is not None:
                on_file(name)
        remove_tree(scratch / ".cache")
        manifest = write_manifest(
            scratch,
            {
                "origin": "hub",
                "repo": repo,
                "revision": revision or "main",
                "commit": commit,
                "files": wanted,
            },
        )
        replace_dir(scratch, out)
    finally:
        remove_tree(scratch)
    return manifest


def _hub_error(repo: str, revision: str | None, exc: Exception) -> ModelError:
    """A clear error for what the hub said (or did not say)."""
    from huggingface_hub import errors

    where = f"{repo}{'@' + revision if revision else ''}"
    if isinstance(exc, errors.GatedRepoError):
        return ModelError(
            f"{where} is gated: its licence must be accepted on the hub first.",
            "accept it on the model's page, then `export HF_TOKEN=...` and pull again",
        )
    if isinstance(exc, errors.RevisionNotFoundError):
        return ModelError(f"{where}: the hub has no such revision.", "check the branch/tag/commit")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return ModelError(
            f"The hub has no model {repo} (or it is private).",
            "check the spelling (owner/name); for a private model set HF_TOKEN",
        )
    return ModelError(
        f"Could not reach the hub for {where}: {type(exc).__name__}: {exc}".strip(),
        "check the network (or HF_ENDPOINT for a mirror); on a machine without one, copy the "
        "model folder over and `seshat model pull /path/to/folder`",
    )


def _hub_listing(repo: str, revision: str | None) -> tuple[str, list[str]]:
    """The commit that ``revision`` points at, and the repo's files there."""
    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(repo, revision=revision)
    except Exception as exc:  # every hub failure becomes one clear error
        raise _hub_error(repo, revision, exc) from None
    return str(info.sha), [s.rfilename for s in info.siblings or []]


def _download(repo: str, commit: str, name: str, folder: Path) -> None:
    """One file at a pinned commit into ``folder`` (resumable, verified by the hub client)."""
    from huggingface_hub import hf_hub_download

    try:
        hf_hub_download(repo, name, revision=commit, local_dir=folder)
    except Exception as exc:
        raise _hub_error(repo, commit, exc) from None


def _copy_local(source: Path, out: Path, on_file: Callable[[str], None] | None) -> dict[str, Any]:
    """Copy a model folder's wanted files, with their SHA-256 in the manifest."""
    files = sorted(p.name for p in source.iterdir() if p.is_file() and _wanted(p.name))
    if not any(name.endswith(".safetensors") for name in files) or "config.json" not in files:
        raise ModelError(
            f"{source} is not a model folder Seshat can train: it needs config.json and "
            "safetensors weights.",
            "point at the folder that holds config.json and *.safetensors",
        )
    if source == out.resolve():
        raise ModelError(f"{source} is already the target folder.", "give another source")
    scratch = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    try:
        hashes = {}
        for name in files:
            shutil.copyfile(source / name, scratch / name)
            hashes[name] = sha256_file(scratch / name)
            if on_file is not None:
                on_file(name)
        manifest = write_manifest(
            scratch, {"origin": "local", "path": str(source), "sha256": hashes}
        )
        replace_dir(scratch, out)
    finally:
        remove_tree(scratch)
    return manifest
