"""``inputs.json``: the hash of every input a run was made from.

Same hashes, same run: the resolved spec, the hardware profile, the backend template, the data
splits (with their access sidecars), the base model's files, the backend env's pins and Seshat's
version. A local base model's weights are hashed once per (path, size, modification time) and the
result cached in ``.seshat/hashes.json``, so a 28 GB model costs its hashing time only once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from seshat import __version__
from seshat.corpus.jsonl import meta_path
from seshat.errors import TemplateError
from seshat.stamps import sha256_file
from seshat.trainer_config import Prepared
from seshat.yamlio import atomic_write_text

CACHE = Path(".seshat") / "hashes.json"


def _cached_hashes(root: Path, files: list[Path]) -> dict[str, str]:
    """Hashes of ``files``, reusing ``.seshat/hashes.json`` for unchanged ones."""
    cache_path = root / CACHE
    cache: dict[str, Any] = {}
    if cache_path.is_file():
        try:
            cache = json.loads(cache_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            cache = {}
    found, changed = {}, False
    for path in files:
        stat = path.stat()
        key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        if key not in cache:
            cache[key] = sha256_file(path)
            changed = True
        found[str(path)] = cache[key]
    if changed:
        atomic_write_text(cache_path, json.dumps(cache, indent=1, sort_keys=True) + "\n")
    return found


def model_hashes(root: Path, model_dir: Path) -> dict[str, str]:
    """Every file of a local model folder (relative name -> SHA-256)."""
    files = sorted(p for p in model_dir.rglob("*") if p.is_file() and ".cache" not in p.parts)
    if not files:
        return {}
    hashes = _cached_hashes(root, files)
    return {p.relative_to(model_dir).as_posix(): hashes[str(p)] for p in files}


def input_hashes(prepared: Prepared, spec_text: str, env_key: str) -> dict[str, Any]:
    """The hashes that identify a run's inputs (see the module docstring)."""
    project = prepared.project
    root, spec = project.root, project.spec
    recipe = f"{prepared.backend.name}/{spec.training.recipe}.yaml.j2"
    template = prepared.backend.template_file(root, spec.training.recipe)
    if template is None:  # the config was rendered from it a moment ago
        raise TemplateError(f"The template {recipe} is gone.", "restore it, then train again")
    data = {}
    for name in ("train", "dev", "test"):
        rel = getattr(spec.data, name)
        if rel is not None and (root / rel).is_file():
            sidecar = meta_path(root / rel)
            data[name] = {
                "sha256": sha256_file(root / rel),
                "meta_sha256": sha256_file(sidecar) if sidecar.is_file() else None,
            }
    local = spec.model.local_path(root)
    profile_path = prepared.resolved.path
    return {
        "seshat": __version__,
        "spec_sha256": hashlib.sha256(spec_text.encode("utf-8")).hexdigest(),
        "profile": {
            "name": prepared.resolved.profile.name,
            "sha256": sha256_file(profile_path) if profile_path else None,
        },
        "template": {"name": recipe, "sha256": sha256_file(template)},
        "data": data,
        "base_model": (
            {"local": True, "files": model_hashes(root, local)}
            if local is not None
            else {"hub_id": spec.model.base, "revision": spec.model.revision}
        ),
        "backend_env": env_key,
    }
