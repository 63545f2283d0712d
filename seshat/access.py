"""Access levels of data and of everything derived from it.

A dataset, and every model trained on it, carries the most closed level present in it (levels from
open to closed: ``public``, ``community``, ``restricted``, ``sacred``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from seshat.corpus.segment import LEVELS


def most_closed(levels: Iterable[str]) -> str:
    """The most closed of ``levels`` (``public`` for none)."""
    rank = {level: n for n, level in enumerate(LEVELS)}
    found = [level for level in levels if level in rank]
    return max(found, key=rank.__getitem__) if found else LEVELS[0]


def formatted_levels(chat_path: Path) -> Counter[str]:
    """How many examples of each access level a formatted split holds (from its ``.meta.jsonl``).

    A split without a sidecar counts as ``unknown``: it is treated as closed as possible.
    """
    meta = chat_path.with_suffix(".meta.jsonl")
    counts: Counter[str] = Counter()
    if not meta.is_file():
        counts["unknown"] = 1
        return counts
    with open(meta, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                counts[str(json.loads(line).get("access", "unknown"))] += 1
    return counts


def dataset_level(chat_paths: Iterable[Path]) -> str:
    """The inherited level of data made from these formatted splits (unknown counts as sacred)."""
    levels: list[str] = []
    for path in chat_paths:
        for level in formatted_levels(path):
            levels.append(level if level in LEVELS else LEVELS[-1])
    return most_closed(levels)
