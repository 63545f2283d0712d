"""Read and write segment JSONL: streaming, and atomic (a temp file renamed into place)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from seshat.corpus.segment import Segment, SegmentError
from seshat.errors import DataError
from seshat.yamlio import atomic_writer


class CorpusFileError(DataError):
    """A corpus file that cannot be read (with the file and line)."""


def write_segments(path: Path, segments: Iterable[Segment]) -> int:
    """Write ``segments`` to ``path`` atomically; return how many were written."""
    count = 0
    with atomic_writer(path) as handle:
        for segment in segments:
            handle.write(segment.to_json())
            handle.write("\n")
            count += 1
    return count


def read_segments(path: Path) -> Iterator[Segment]:
    """Stream the segments of ``path``.

    Raises:
        CorpusFileError: A line that is not JSON or not a segment (file and line named).
    """
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield Segment.from_dict(json.loads(line))
            except (json.JSONDecodeError, SegmentError) as exc:
                raise CorpusFileError(
                    f"{path}:{number} is not a valid segment record: {exc}.",
                    "this file is written by Seshat; rerun the stage that writes it "
                    "(`seshat data run`)",
                ) from None


def read_json_lines(path: Path) -> list[dict]:
    """Every JSON line of a file Seshat wrote (formatted splits, their meta sidecars).

    Raises:
        CorpusFileError: A line that is not JSON (file and line named).
    """
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CorpusFileError(
                    f"{path}, line {number}: not valid JSON ({exc.msg}).",
                    "run `seshat data format` to write the formatted splits again",
                ) from None
    return rows


def meta_path(chat_path: Path) -> Path:
    """The ``.meta.jsonl`` sidecar of a formatted split (task, record, source, access per line)."""
    return chat_path.with_suffix(".meta.jsonl")
