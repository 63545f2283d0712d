"""Plain text (one segment per non-empty line) and line-aligned parallel files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean, read_text


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """One ``text`` segment per non-empty line; the file is the document."""
    document = ctx.rel(path)
    for number, line in enumerate(read_text(path, ctx).split("\n"), 1):
        text = clean(line)
        if text:
            yield ctx.segment(
                path, ctx.option("kind", "text"), text, line=number, document=document
            )


def read_parallel(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Line-aligned pairs: ``path`` in the target language, ``options.translation`` in the source.

    Raises:
        ReaderError: No translation file named, or files with different numbers of lines.
    """
    other = ctx.option("translation")
    if not other:
        raise ReaderError(
            f"source {ctx.source_id!r} is 'parallel' but names no translation file.",
            "set `options.translation: path/to/the-source-language-file.txt` (line-aligned)",
        )
    other_path = ctx.root / str(other)
    target = read_text(path, ctx).rstrip("\n").split("\n")
    translation = read_text(other_path, ctx).rstrip("\n").split("\n")
    if len(target) != len(translation):
        raise ReaderError(
            f"{ctx.rel(path)} has {len(target)} lines but {ctx.rel(other_path)} has "
            f"{len(translation)}: a parallel pair must be line-aligned.",
            "fix the files, or use `seshat data align` for documents that are not line-aligned",
        )
    document = ctx.rel(path)
    for number, (left, right) in enumerate(zip(target, translation, strict=True), 1):
        text, meaning = clean(left), clean(right)
        if text or meaning:
            yield ctx.segment(
                path,
                "sentence",
                text or "",
                translation=meaning,
                line=number,
                document=document,
            )
