"""Scanned pages (images) read by OCR: one ``text`` segment per line, with its confidence.

Options: ``languages`` (tesseract codes, default: the source language's, ``es`` or ``spa`` both
giving ``spa``), ``tessdata`` (a folder of custom ``.traineddata``), ``corrections`` (an orthography
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
from seshat.langcodes import tesseract_language


def languages(ctx: ReaderContext) -> str:
    """Tesseract languages for a source: ``options.languages`` or the source language's.

    The source language's ISO 639 code (``es`` or ``spa``) is mapped to tesseract's name.
    """
    if ctx.option("languages"):
        return str(ctx.option("languages"))
    return tesseract_language(ctx.translation_codes)


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
