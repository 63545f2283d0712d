"""Metric rows from a trainer's own progress output: the reader interface and shared cleaning.

Each trainer's plug-in has its reader (Axolotl parses its stdout, LLaMA-Factory follows its
``trainer_log.jsonl``); rows are ``{"step", "loss", "learning_rate", ...}`` with numbers only.
"""

from __future__ import annotations

import math
from typing import Any

RENAME = {
    "learning_rate": "learning_rate",
    "lr": "learning_rate",
    "tokens/train_per_sec_per_gpu": "tokens_per_second",
    "current_steps": "step",
    "total_steps": "total_steps",
}


def number(value: Any) -> float | int | None:
    """A number from a number or its text (``'2e-4'``); None for anything else, booleans too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        parsed = float(str(value))
    except ValueError:
        return None
    return (
        int(parsed)
        if parsed.is_integer() and "." not in str(value) and "e" not in str(value)
        else parsed
    )


def clean(raw: dict[str, Any]) -> dict[str, float | int]:
    """The numeric values of a trainer's log record, under Seshat's names (``lr`` -> ``learning_rate``)."""
    row: dict[str, float | int] = {}
    for key, value in raw.items():
        value_number = number(value)
        if value_number is not None:
            row[RENAME.get(key, key)] = value_number
    return row


Row = dict[str, float | int]


class MetricsReader:
    """Turns one training process's output into metric rows; every hook may return rows."""

    def feed(self, stream: str, text: str) -> list[Row]:
        """Output of the process (``stream``: ``stdout`` or ``stderr``), in any chunking."""
        return []

    def poll(self) -> list[Row]:
        """Called about twice a second (for trainers that write a log file)."""
        return []

    def finish(self) -> list[Row]:
        """Called once the process has ended."""
        return []


def finite(row: dict[str, float | int]) -> bool:
    """Whether every loss in ``row`` is a finite number."""
    return all(math.isfinite(v) for k, v in row.items() if "loss" in k)
