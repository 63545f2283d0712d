"""Scanned pages (images) read by OCR: one ``text`` segment per line, with its confidence.

Options: ``languages`` (tesseract codes, default: the source language's ISO 639-3 code, e.g.
``spa``), ``tessdata`` (a folder of custom ``.traineddata``), ``corrections`` (an orthography
post-correction table, e.g. ``{"rn": "m", "ii": "ɨ"}``, applied longest match first),
``min_confidence`` (lines below it get a ``low_confidence`` flag, default 60).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.clean import Normaliser
from seshat.data.ocr import OcrError, tesseract_lines
from seshat.data.readers.base import ReaderContext, ReaderError


def languages(ctx: ReaderContext) -> str:
    """Tesseract languages for a source: ``options.languages`` or the source language's code."""
    if ctx.option("languages"):
        return str(ctx.option("languages"))
    three = [c for c in ctx.translation_codes if len(c) == 3]
    return three[0] if three else "eng"


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """OCR lines of one page image."""
    yield from ocr_page(path, path, int(ctx.option("page", 1)), ctx)


def ocr_page(image: Path, origin: Path, page: int, ctx: ReaderContext) -> Iterator[Segment]:
    """OCR lines of ``image``, recorded as page ``page`` of ``origin`` (the image or its PDF)."""
    tessdata = ctx.option("tessdata")
    try:
        lines = tesseract_lines(
            image, languages(ctx), ctx.root / str(tessdata) if tessdata else None
        )
    except OcrError as exc:
        raise ReaderError(f"{ctx.rel(origin)}: {exc.message}", exc.hint) from None
    correct = Normaliser(dict(ctx.option("corrections") or {}))
    minimum = float(ctx.option("min_confidence", 60))
    for number, line in enumerate(lines, 1):
        text = correct(line.text)
        if not text:
            continue
        segment = ctx.segment(
            origin,
            "text",
            text,
            page=page,
            line=number,
            document=ctx.rel(origin),
            context={"ocr_confidence": f"{line.confidence:.1f}", "ocr_raw": line.text},
        )
        if line.confidence < minimum:
            segment.flag("low_confidence", f"OCR confidence {line.confidence:.0f} < {minimum:.0f}")
        yield segment
