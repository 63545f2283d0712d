"""Read and write segment JSONL: streaming, and atomic (a temp file renamed into place)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from seshat.corpus.segment import Segment, SegmentError
from seshat.errors import SeshatError


class CorpusFileError(SeshatError):
    """A corpus file that cannot be read (with the file and line)."""


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[str]]:
    """Open a temp file next to ``path``; rename it over ``path`` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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
