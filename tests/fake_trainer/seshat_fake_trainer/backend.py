"""The fake trainer: renders a small YAML, and "trains" by running a stub in its own venv."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from seshat.backends.base import Backend
from seshat.backends.metrics import MetricsReader, Row
from seshat.profiles import Profile

HERE = Path(__file__).resolve().parent


@dataclass
class StubLog(MetricsReader):
    """The stub prints ``FAKE-METRIC {json}`` lines on stdout."""

    buffer: str = ""
    rows: list[Row] = field(default_factory=list)

    def feed(self, stream: str, text: str) -> list[Row]:
        if stream != "stdout":
            return []
        self.buffer += text
        *lines, self.buffer = self.buffer.split("\n")
        return [
            json.loads(line.split(" ", 1)[1]) for line in lines if line.startswith("FAKE-METRIC ")
        ]


class FakeTrainer(Backend):
    """A trainer that Seshat knows only through this folder."""

    name: ClassVar[str] = "faketrainer"
    purpose: ClassVar[str] = "a stub trainer (tests/fake_trainer)"
    chat_templates: ClassVar[dict[str, str]] = {"qwen3": "fake-qwen3"}
    unknown_family_template: ClassVar[str | None] = "fake-default"

    def train_argv(self, config_name: str, profile: Profile) -> list[str]:
        return ["python", str(HERE / "stub_train.py"), config_name]

    def merge_command(
        self, trained: dict[str, Any], run_dir: Path, adapter_dir: Path, work_dir: Path
    ) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError("the fake trainer has nothing to merge")

    def metrics_reader(
        self, output_dir: Path, logging_steps: int, first_step: int
    ) -> MetricsReader:
        return StubLog()
