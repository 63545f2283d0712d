"""Turn a backend's own progress output into metric rows (one per logged step).

Axolotl prints Python dict reprs with string values on stdout, glued to tqdm output with carriage
returns and without a step number; LLaMA-Factory appends clean JSON lines to ``output/trainer_log.jsonl``.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_DICT = re.compile(r"\{'[^{}]*\}")
_RENAME = {
    "learning_rate": "learning_rate",
    "lr": "learning_rate",
    "tokens/train_per_sec_per_gpu": "tokens_per_second",
    "current_steps": "step",
    "total_steps": "total_steps",
}


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value))
    except ValueError:
        return None
    return (
        int(number)
        if number.is_integer() and "." not in str(value) and "e" not in str(value)
        else number
    )


def _clean(raw: dict[str, Any]) -> dict[str, float | int]:
    row: dict[str, float | int] = {}
    for key, value in raw.items():
        number = _number(value)
        if number is not None:
            row[_RENAME.get(key, key)] = number
    return row


@dataclass
class AxolotlParser:
    """Parses Axolotl's stdout, numbering train-loss rows by ``logging_steps``.

    ``first_step`` is the checkpoint step a resumed run starts after (Axolotl's lines carry no step).
    """

    logging_steps: int = 1
    first_step: int = 0
    train_rows: int = 0
    buffer: str = ""
    last_step: int = 0
    summary: dict[str, float | int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.last_step = self.first_step

    def feed(self, chunk: str) -> list[dict[str, float | int]]:
        """Feed raw output (any chunking); return the metric rows completed by it."""
        self.buffer += chunk
        pieces = re.split(r"[\r\n]", self.buffer)
        self.buffer = pieces.pop()
        rows = []
        for piece in pieces:
            rows += self.parse_line(piece)
        return rows

    def parse_line(self, line: str) -> list[dict[str, float | int]]:
        """Rows found in one line (usually zero or one)."""
        rows = []
        for match in _DICT.finditer(line):
            try:
                raw = ast.literal_eval(match.group(0))
            except (ValueError, SyntaxError):
                continue
            if not isinstance(raw, dict):
                continue
            row = _clean(raw)
            if "train_runtime" in row:
                self.summary = row
                continue
            if "loss" in row:
                self.train_rows += 1
                self.last_step = self.first_step + self.train_rows * self.logging_steps
            elif "eval_loss" not in row:
                continue
            rows.append({"step": self.last_step, **row})
        return rows


@dataclass
class TrainerLogTail:
    """Follows LLaMA-Factory's ``trainer_log.jsonl`` as it grows."""

    path: Path
    offset: int = 0
    partial: str = ""

    def poll(self) -> list[dict[str, float | int]]:
        """Rows appended since the last call."""
        try:
            with open(self.path, encoding="utf-8") as handle:
                handle.seek(self.offset)
                text = handle.read()
                self.offset = handle.tell()
        except FileNotFoundError:
            return []
        text = self.partial + text
        lines = text.split("\n")
        self.partial = lines.pop()
        rows = []
        for line in lines:
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                continue
            row = _clean(raw)
            if "step" in row and ("loss" in row or "eval_loss" in row):
                rows.append(row)
        return rows


def finite(row: dict[str, float | int]) -> bool:
    """Whether every loss in ``row`` is a finite number."""
    return all(math.isfinite(v) for k, v in row.items() if "loss" in k)
