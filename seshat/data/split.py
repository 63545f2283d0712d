"""``seshat data split``: deterministic train/dev/test splits without leakage.

Whole groups (a document, a dictionary entry, or single records: ``splits.group_by``) go to one
split. Groups are ordered by a hash of the seed and the group key, and taken in that order into
test, then dev, until each holds its fraction of the records: exact proportions even for a small
corpus, and new data moves only the groups at the boundaries.
A text that occurs in the test split is kept out of dev and train, and a dev text out of train
(counted as ``held_out_duplicates``); within a split, a text is written once (``repeated_in_split``).
Reads ``data/clean/`` (``seshat data clean``). ``splits.test_file`` pins a user's own test set: records
whose text is in it go to test.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seshat.config.loader import LoadedProject
from seshat.corpus.jsonl import CorpusFileError
from seshat.data.clean import CLEAN
from seshat.errors import DataError, SeshatError
from seshat.yamlio import atomic_write_text, atomic_writer

SPLITS_DIR = Path("data/splits")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def text_key(row: dict[str, Any]) -> int:
    """What counts as the same example (normalised, case-folded text and translation), hashed.

    A 64-bit hash keeps a million keys in memory cheaply; it is only compared within one run.
    """
    return hash(_norm(f"{row['text']}\x1f{row.get('translation') or ''}"))


def group_key(row: dict[str, Any], group_by: str) -> str:
    """The unit kept whole within one split."""
    if group_by == "record":
        return str(row["id"])
    provenance = row["provenance"]
    return f"{provenance['source']}\x1f{row.get('document') or provenance['file']}"


def draw(key: str, seed: int) -> float:
    """A uniform number in [0, 1) from the hash of seed and key."""
    digest = hashlib.sha256(f"{seed}\x1f{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(sizes: dict[str, int], seed: int, dev: float, test: float) -> dict[str, str]:
    """The split of every group: in hash order, test then dev get their share of records."""
    total = sum(sizes.values())
    result: dict[str, str] = {}
    taken = 0
    for key in sorted(sizes, key=lambda k: (draw(k, seed), k)):
        share = taken / total if total else 1.0
        result[key] = "test" if share < test else "dev" if share < test + dev else "train"
        taken += sizes[key]
    return result


def record_files(root: Path) -> list[Path]:
    """The cleaned record files, in a stable order.

    Raises:
        SeshatError: Nothing cleaned yet.
    """
    found = sorted((root / CLEAN).glob("*.jsonl"))
    if not found:
        raise SeshatError(
            f"There are no cleaned records in {root / CLEAN}.",
            "run `seshat data ingest` and `seshat data clean` first",
        )
    return found


def _rows(root: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every cleaned record as its JSONL line and its parsed dict (the line is written as is).

    Raises:
        CorpusFileError: A line that is not JSON (file and line named).
    """
    for path in record_files(root):
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield line if line.endswith("\n") else line + "\n", json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusFileError(
                        f"{path}:{number} is not valid JSON ({exc.msg}).",
                        "this file is written by Seshat; run `seshat data clean` again",
                    ) from None


def pinned_texts(project: LoadedProject) -> set[str]:
    """Normalised texts of the user's own test set (JSONL of segments or of {"text": ...})."""
    rel = project.spec.splits.test_file
    if rel is None:
        return set()
    path = project.root / rel
    found = set()
    hint = (
        'splits.test_file is JSONL: one {"text": ...} (or a record of data/records/) per line; '
        "fix the file or the key"
    )
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    found.add(_norm(str(row["text"])))
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise DataError(
                        f'{path}:{number} is not a JSON object with a "text" (splits.test_file).',
                        hint,
                    ) from None
    except FileNotFoundError:
        raise DataError(f"splits.test_file {rel} does not exist ({path}).", hint) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataError(
            f"splits.test_file {path} cannot be read as UTF-8 text ({exc}).", hint
        ) from None
    return found


def split(project: LoadedProject) -> dict[str, Any]:
    """Write ``data/splits/{train,dev,test}.jsonl``; return counts (also in ``manifest.json``).

    Three streaming passes keep memory to the keys: group sizes, then the texts the test and dev
    splits hold, then every record (its line as it is) to its split.
    """
    root, cfg = project.root, project.spec.splits
    pinned = pinned_texts(project)

    def is_pinned(row: dict[str, Any]) -> bool:
        return bool(pinned) and _norm(row["text"]) in pinned

    sizes: Counter[str] = Counter()
    for _, row in _rows(root):
        if not is_pinned(row):
            sizes[group_key(row, cfg.group_by)] += 1
    groups = assign(sizes, cfg.seed, cfg.dev, 0.0 if pinned else cfg.test)
    del sizes

    def split_of(row: dict[str, Any]) -> str:
        return "test" if is_pinned(row) else groups[group_key(row, cfg.group_by)]

    held: dict[str, set[int]] = {"test": set(), "dev": set()}
    for _, row in _rows(root):
        name = split_of(row)
        if name in held:
            held[name].add(text_key(row))
    counts: Counter[str] = Counter()
    moved = repeated = 0
    written: dict[str, set[int]] = {"train": set(), "dev": set(), "test": set()}
    folder = root / SPLITS_DIR
    with (
        atomic_writer(folder / "train.jsonl") as train,
        atomic_writer(folder / "dev.jsonl") as dev,
        atomic_writer(folder / "test.jsonl") as test,
    ):
        out = {"train": train, "dev": dev, "test": test}
        for line, row in _rows(root):
            name = split_of(row)
            key = text_key(row)
            if (name != "test" and key in held["test"]) or (name == "train" and key in held["dev"]):
                moved += 1
                continue
            if key in written[name]:
                repeated += 1
                continue
            written[name].add(key)
            out[name].write(line)
            counts[name] += 1
    summary = {
        "counts": {name: counts[name] for name in ("train", "dev", "test")},
        "held_out_duplicates": moved,
        "repeated_in_split": repeated,
        "seed": cfg.seed,
        "group_by": cfg.group_by,
        "inputs": [p.name for p in record_files(root)],
    }
    atomic_write_text(
        folder / "manifest.json", json.dumps(summary, indent=2, sort_keys=True) + "\n"
    )
    return summary
