"""A linguist's judgement of a model's answer, as stored in ``data/reviews/<run>/<reviewer>.jsonl``.

Each reviewer of a run has a file of their own; every save appends one line, so the file is the
history of that reviewer's work and the last line of an item is their judgement of it. A
translation is judged after the Error Span Annotation protocol (Kocmi et al., 2024): error spans
in the output, each minor or major, then a 0-100 score; a corrected translation and a comment are
optional. An answer to a question the reviewer asked the model is marked right or wrong.

The review page writes these lines; the ``reviews`` source format reads them back into records,
and ``seshat review summary`` sets them beside the automatic scores. This module is the one
definition both sides read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from seshat.kinds import LEVELS

REVIEWS_DIR = Path("data/reviews")
SEVERITIES: tuple[str, ...] = ("minor", "major")
VERDICTS: tuple[str, ...] = ("right", "wrong")
JudgementKind = Literal["translation", "answer"]


class Span(BaseModel):
    """An error span in the output: character offsets ``[start, end)`` and its severity.

    A span with ``start == end`` at the end of the output marks missing content (ESA's
    "[MISSING]").
    """

    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    severity: Literal["minor", "major"]

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class Judgement(BaseModel):
    """One reviewer's judgement of one item (the last one saved counts).

    Attributes:
        run: The run whose model answered.
        model: The model file (GGUF name) or engine that answered.
        item: The item's id on the page (``test:<key>``, ``new:<hash>``, ``ask:<hash>``).
        kind: ``translation`` (spans, score, correction) or ``answer`` (right or wrong).
        task: The task asked (``translate_to_target``, ``dictionary``, ``grammar``...).
        source_text: What the model was given (the sentence, the word, the question).
        output: What the model answered.
        reference: The expected answer from the data, when there is one.
        prompt: The chat the model was given.
        access: The most closed access level of the records involved (and of the model).
        records: The ids of the records the item comes from.
        reviewer: Who judged (as they typed their name).
        at: When (UTC, ISO 8601).
        spans: Error spans in ``output``.
        score: 0-100 (ESA), or None when not scored.
        correction: The reviewer's corrected answer.
        comment: Free text.
        verdict: ``right`` or ``wrong`` for an answer.
    """

    model_config = ConfigDict(extra="forbid")

    run: str
    model: str
    item: str = Field(min_length=1, max_length=200)
    kind: JudgementKind
    task: str
    source_text: str
    output: str
    reference: str | None = None
    prompt: list[dict[str, str]] = Field(default_factory=list)
    access: str
    records: list[str] = Field(default_factory=list)
    reviewer: str = Field(min_length=1, max_length=100)
    at: str
    spans: list[Span] = Field(default_factory=list, max_length=200)
    score: int | None = Field(default=None, ge=0, le=100)
    correction: str | None = Field(default=None, max_length=20_000)
    comment: str | None = Field(default=None, max_length=20_000)
    verdict: Literal["right", "wrong"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Judgement:
        if self.access not in LEVELS:
            raise ValueError(f"access {self.access!r} is not one of {', '.join(LEVELS)}")
        if not self.reviewer.strip():
            raise ValueError("the reviewer's name is empty")
        for span in self.spans:
            if span.end > len(self.output):
                raise ValueError(
                    f"span {span.start}-{span.end} runs past the output ({len(self.output)} "
                    "characters)"
                )
        if self.kind == "answer" and self.spans:
            raise ValueError("an answer is marked right or wrong, not with error spans")
        return self

    @property
    def major(self) -> int:
        """How many major error spans."""
        return sum(1 for s in self.spans if s.severity == "major")

    @property
    def minor(self) -> int:
        """How many minor error spans."""
        return sum(1 for s in self.spans if s.severity == "minor")


class JudgementError(ValueError):
    """A stored judgement line that is not valid (file and line in the message)."""


def reviewer_file(run_id: str, reviewer: str) -> Path:
    """Where ``reviewer``'s judgements of ``run_id`` go, relative to the project.

    The name is kept readable (letters of any script, digits, ``.``, ``-``, ``_``); two names that
    differ only in other characters would share a file, so the file's lines keep the name as typed.
    """
    slug = re.sub(r"[^\w.-]+", "-", reviewer.strip().casefold()).strip("-.") or "reviewer"
    return REVIEWS_DIR / run_id / f"{slug[:80]}.jsonl"


def read_judgements(path: Path) -> Iterator[tuple[int, Judgement]]:
    """The judgements of one file with their line numbers.

    A torn last line (a save cut off by a crash) is skipped; any other bad line is an error.

    Raises:
        JudgementError: A line that is not a valid judgement (file and line named).
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield number, Judgement.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            if number == len(lines) and isinstance(exc, json.JSONDecodeError):
                continue  # torn last line: the save it belonged to never finished
            if isinstance(exc, ValidationError):
                first = exc.errors()[0]
                where = ".".join(map(str, first["loc"]))
                detail = f"{where}: {first['msg']}" if where else first["msg"]
            else:
                detail = exc.msg
            raise JudgementError(f"{path}:{number} is not a valid judgement: {detail}") from None


def latest(judgements: Iterable[Judgement]) -> dict[tuple[str, str], Judgement]:
    """The last judgement of each (reviewer, item)."""
    found: dict[tuple[str, str], Judgement] = {}
    for judgement in judgements:
        found[(judgement.reviewer, judgement.item)] = judgement
    return found


def run_judgements(root: Path, run_id: str) -> list[Judgement]:
    """Every reviewer's latest judgements of run ``run_id``, in file then line order.

    Raises:
        JudgementError: A stored line that is not valid.
    """
    folder = root / REVIEWS_DIR / run_id
    found: list[Judgement] = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        found += [j for _, j in read_judgements(path)]
    return list(latest(found).values())


def append_judgement(root: Path, judgement: Judgement) -> Path:
    """Append one judgement to its reviewer's file (one line, flushed to disk); return the file."""
    import os

    path = root / reviewer_file(judgement.run, judgement.reviewer)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(judgement.model_dump(mode="json"), ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return path
