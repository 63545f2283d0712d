"""Axolotl's progress, read from its stdout.

Axolotl prints Python dict reprs, glued to tqdm output with carriage returns and without a step
number: rows are numbered by ``logging_steps``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from seshat.backends.metrics import MetricsReader, Row, clean

_DICT = re.compile(r"\{'[^{}]*\}")


@dataclass
class AxolotlParser(MetricsReader):
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

    def feed(self, stream: str, text: str) -> list[Row]:
        """Stdout (any chunking); return the metric rows completed by it."""
        return self.feed_stdout(text) if stream == "stdout" else []

    def finish(self) -> list[Row]:
        """A last line without its newline."""
        return self.feed_stdout("\n")

    def feed_stdout(self, chunk: str) -> list[Row]:
        """Raw stdout (any chunking); the metric rows completed by it."""
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
            row = clean(raw)
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
