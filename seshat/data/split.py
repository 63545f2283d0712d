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
import math
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seshat.config.loader import LoadedProject
from seshat.corpus.jsonl import CorpusFileError
from seshat.data.clean import CLEAN, cleaner
from seshat.data.orthography import drift
from seshat.errors import DataError, SeshatError
from seshat.yamlio import atomic_write_text, atomic_writer

SPLITS_DIR = Path("data/splits")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def text_key(row: dict[str, Any]) -> int:
    """What counts as the same example (normalised, case-folded text and translation), hashed.

    A 64-bit hash keeps a million keys in memory cheaply; it is only compared within one run.
    """
    # two analyses of one inflected form (a syncretism) are two examples, not one repeated
    features = row.get("gloss") or "" if row.get("kind") == "inflection" else ""
    return hash(_norm(f"{row['text']}\x1f{row.get('translation') or ''}\x1f{features}"))


def group_key(row: dict[str, Any], group_by: str) -> str:
    """The unit kept whole within one split."""
    if group_by == "record":
        return str(row["id"])
    provenance = row["provenance"]
    return f"{provenance['source']}\x1f{row.get('document') or provenance['file']}"


class Grouper:
    """Gives each record its unit; ``block`` > 0 cuts each document into contiguous blocks.

    Stateful (it counts records per document): use a fresh one for each pass over the records.
    """

    def __init__(self, unit: str, block: int = 0) -> None:
        self.unit, self.block = unit, block
        self.seen: Counter[str] = Counter()

    def __call__(self, row: dict[str, Any]) -> str:
        """The unit of ``row``."""
        key = group_key(row, self.unit)
        if not self.block or self.unit == "record":
            return key
        index = self.seen[key]
        self.seen[key] += 1
        return f"{key}\x1f#{index // self.block}"


def draw(key: str, seed: int) -> float:
    """A uniform number in [0, 1) from the hash of seed and key."""
    digest = hashlib.sha256(f"{seed}\x1f{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(sizes: dict[str, int], seed: int, targets: dict[str, int]) -> dict[str, str]:
    """The split of every group, drawn in hash order to meet the held-out targets.

    Each group goes to test, then dev, while that split still lacks records and the group is at
    most twice what it lacks; the rest goes to train (a group too big to hold out stays there).
    """
    result: dict[str, str] = {}
    taken = {"test": 0, "dev": 0}
    for key in sorted(sizes, key=lambda k: (draw(k, seed), k)):
        size = sizes[key]
        result[key] = "train"
        for name in ("test", "dev"):
            lacking = targets.get(name, 0) - taken[name]
            if lacking > 0 and size <= 2 * lacking:
                result[key], taken[name] = name, taken[name] + size
                break
    return result


def _achieved(sizes: dict[str, int], groups: dict[str, str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for key, size in sizes.items():
        counts[groups[key]] += size
    return counts


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


def pinned_texts(project: LoadedProject, which: str) -> tuple[set[str], int]:
    """Texts of a user's own dev or test set, cleaned as the records are, and its line count.

    ``splits.dev_file`` or ``splits.test_file``.
    The file is JSONL (``{"text": ...}`` or records of data/records/) or plain text, one sentence
    per line (a shared task's own file of the target language).

    Raises:
        DataError: A missing or unreadable file, or a JSONL line without a text.
    """
    rel = getattr(project.spec.splits, f"{which}_file")
    if rel is None:
        return set(), 0
    path = project.root / rel
    key = f"splits.{which}_file"
    clean_text = cleaner(project.spec)
    found: set[str] = set()
    lines = 0
    as_json = path.suffix.lower() in (".jsonl", ".json")
    hint = (
        f'{key} is JSONL (one {{"text": ...}} or a record of data/records/ per line) or plain '
        "text (one sentence per line); fix the file or the key"
    )
    try:
        with open(path, encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                lines += 1
                if not as_json:
                    found.add(_norm(clean_text(line)))
                    continue
                try:
                    row = json.loads(line)
                    found.add(_norm(clean_text(str(row["text"]))))
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise DataError(
                        f'{path}:{number} is not a JSON object with a "text" ({key}).', hint
                    ) from None
    except FileNotFoundError:
        raise DataError(f"{key} {rel} does not exist ({path}).", hint) from None
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise DataError(f"{key} {path} cannot be read as UTF-8 text ({exc}).", hint) from None
    return found, lines


UNITS = ("document", "block", "record")


def _plan_units(
    root: Path, cfg: Any, pin_of: Any, targets: dict[str, int], total: int
) -> tuple[str, int, dict[str, int], dict[str, str], str | None]:
    """The unit that meets the shares: the configured one if it can, else a finer one.

    Returns (unit, block size, group sizes, group -> split, why it was refined or None).
    """
    tolerance = max(1, int(0.02 * total))
    wanted = cfg.group_by if cfg.group_by != "entry" else "document"
    steps: list[tuple[str, int]] = [(wanted, 0)]
    if wanted != "record":
        smallest = min((t for t in targets.values() if t > 0), default=0)
        block = max(1, smallest // 8)
        if block > 1:
            steps.append(("document", block))
        steps.append(("record", 0))
    why = None
    for unit, block in steps:
        grouper = Grouper(unit, block)
        sizes: Counter[str] = Counter()
        for _, row in _rows(root):
            key = grouper(row)  # every record counts for the document's block index
            if pin_of(row) is None:
                sizes[key] += 1
        groups = assign(sizes, cfg.seed, targets)
        got = _achieved(sizes, groups)
        misses = {
            name: (got[name], target)
            for name, target in targets.items()
            if abs(got[name] - target) > tolerance
        }
        if not misses:
            return unit, block, sizes, groups, why
        if cfg.strict:
            detail = ", ".join(
                f"{n} {g} records for a target of {t}" for n, (g, t) in misses.items()
            )
            raise DataError(
                f"splits.group_by: {cfg.group_by} cannot meet the configured shares ({detail}): "
                f"{len(sizes)} units for {total} records are too few or too unequal.",
                "set `splits.strict: false` to let Seshat cut documents into blocks of records, "
                "or change `splits.dev`/`splits.test`",
            )
        # said once, for the configured unit: why Seshat went finer
        why = why or (
            f"{cfg.group_by} units ({len(sizes)}) could not meet the shares "
            f"({', '.join(f'{n} {g} of {t}' for n, (g, t) in misses.items())}); split by "
            "finer units"
        )
        last = (unit, block, sizes, groups)
    unit, block, sizes, groups = last
    return unit, block, sizes, groups, why


def split(project: LoadedProject) -> dict[str, Any]:
    """Write ``data/splits/{train,dev,test}.jsonl``; return counts (also in ``manifest.json``).

    Streaming passes keep memory to the keys: unit sizes, then the texts the test and dev splits
    hold, then every record (its line as it is) to its split. Records of a source with a ``split``
    option, and those whose text is in ``splits.dev_file``/``test_file``, are pinned there; the
    others are drawn to meet the configured shares, with finer units when the configured ones
    cannot (``splits.strict`` refuses instead).
    """
    root, cfg = project.root, project.spec.splits
    pinned = {name: pinned_texts(project, name) for name in ("dev", "test")}
    by_source = {s.id: pin for s in project.spec.sources if (pin := s.split_pin())}
    matched: Counter[str] = Counter()

    def pin_of(row: dict[str, Any]) -> str | None:
        source = by_source.get(row["provenance"]["source"])
        if source:
            return str(source)
        for name in ("test", "dev"):
            if pinned[name][0] and _norm(row["text"]) in pinned[name][0]:
                return name
        return None

    total = 0
    pinned_counts: Counter[str] = Counter()
    for _, row in _rows(root):
        total += 1
        where = pin_of(row)
        if where:
            pinned_counts[where] += 1
            if not by_source.get(row["provenance"]["source"]):
                matched[where] += 1
    # a split with pinned records takes no drawn ones; the others get their share of the rest
    free = total - sum(pinned_counts.values())
    test_share = 0.0 if pinned_counts["test"] else cfg.test
    dev_share = 0.0 if pinned_counts["dev"] else cfg.dev
    targets = {"test": math.ceil(test_share * free)}
    targets["dev"] = math.ceil((test_share + dev_share) * free) - targets["test"]
    unit, block, _sizes, groups, refined = _plan_units(root, cfg, pin_of, targets, total)

    def split_of_all() -> Iterator[tuple[str, dict[str, Any], str]]:
        grouper = Grouper(unit, block)
        for line, row in _rows(root):
            key = grouper(row)
            yield line, row, pin_of(row) or groups[key]

    held: dict[str, set[int]] = {"test": set(), "dev": set()}
    for _, row, name in split_of_all():
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
        for line, row, name in split_of_all():
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
    kept = sum(counts.values())

    def texts(name: str) -> Iterator[str]:
        with open(folder / f"{name}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)["text"]

    spelling = {
        name: drift(texts("train"), texts(name), name)
        for name in ("test", "dev")
        if counts[name] and counts["train"]
    }
    summary = {
        "counts": {name: counts[name] for name in ("train", "dev", "test")},
        "shares": {
            name: round(counts[name] / kept, 4) if kept else 0.0
            for name in ("train", "dev", "test")
        },
        "targets": {"dev": cfg.dev, "test": cfg.test},
        "held_out_duplicates": moved,
        "repeated_in_split": repeated,
        "seed": cfg.seed,
        "group_by": cfg.group_by,
        "unit": f"blocks of {block} records" if block else unit,
        "refined": refined,
        "pinned": {
            "sources": dict(sorted(by_source.items())),
            **{
                f"{name}_file": {"lines": pinned[name][1], "matched_records": matched[name]}
                for name in ("dev", "test")
                if getattr(cfg, f"{name}_file") is not None
            },
        },
        "inputs": [p.name for p in record_files(root)],
        "orthography": spelling,
    }
    atomic_write_text(
        folder / "manifest.json",
        json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
    )
    return summary
