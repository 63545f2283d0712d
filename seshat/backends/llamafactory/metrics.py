"""LLaMA-Factory's progress: clean JSON lines appended to ``output/trainer_log.jsonl``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from seshat.backends.metrics import MetricsReader, Row, clean


@dataclass
class TrainerLogTail(MetricsReader):
    """Follows LLaMA-Factory's ``trainer_log.jsonl`` as it grows."""

    path: Path
    offset: int = 0
    partial: str = ""

    def poll(self) -> list[Row]:
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
            row = clean(raw)
            if "step" in row and ("loss" in row or "eval_loss" in row):
                rows.append(row)
        return rows
