"""Access levels of data and of everything derived from it.

A dataset, and every model trained on it, carries the most closed level present in it (levels from
open to closed: ``public``, ``community``, ``restricted``, ``sacred``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from seshat.corpus.jsonl import meta_path, read_json_lines
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
    sidecar = meta_path(chat_path)
    if not sidecar.is_file():
        return Counter({"unknown": 1})
    return Counter(str(row.get("access", "unknown")) for row in read_json_lines(sidecar))


def dataset_level(chat_paths: Iterable[Path]) -> str:
    """The inherited level of data made from these formatted splits (unknown counts as sacred)."""
    levels: list[str] = []
    for path in chat_paths:
        for level in formatted_levels(path):
            levels.append(level if level in LEVELS else LEVELS[-1])
    return most_closed(levels)
