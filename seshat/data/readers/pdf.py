"""PDFs with a text layer: one ``text`` segment per sentence, with its page.

Lines are joined into paragraphs (a word hyphenated at a line end is rejoined), paragraphs split
into sentences (:mod:`seshat.data.sentences`; ``options.unit: line`` keeps lines instead). Scanned
pages have no text layer: a PDF without any is refused with a pointer to the OCR stage, and the
pages without text are listed in each segment's context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean
from seshat.data.sentences import split_sentences

_HYPHEN = re.compile(r"(\w)-\n(\w)")


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Sentences (or lines) of every page that has text.

    Raises:
        ReaderError: Not a readable PDF, encrypted, or no text layer at all.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PdfStreamError

    try:
        pdf = PdfReader(str(path))
        if pdf.is_encrypted:
            raise ReaderError(
                f"{ctx.rel(path)} is encrypted.",
                "save an unencrypted copy (e.g. `qpdf --decrypt in.pdf out.pdf`) and ingest that",
            )
        texts = [page.extract_text() or "" for page in pdf.pages]
    except (PdfReadError, PdfStreamError, ValueError, KeyError, OSError) as exc:
        raise ReaderError(
            f"{ctx.rel(path)} is not a readable PDF ({type(exc).__name__}: {exc}).",
            "the file is truncated or damaged: download or export it again",
        ) from None
    empty = [str(k) for k, text in enumerate(texts, 1) if not text.strip()]
    if len(empty) == len(texts):
        raise ReaderError(
            f"{ctx.rel(path)} has no text layer ({len(texts)} scanned page(s)).",
            "run OCR on it: `seshat data ocr` (or declare the source with `format: image`)",
        )
    unit = ctx.option("unit", "sentence")
    code = ctx.target_codes[0] if ctx.target_codes else None
    context = {"pages_without_text": ",".join(empty)} if empty else {}
    for page, text in enumerate(texts, 1):
        text = _HYPHEN.sub(r"\1\2", text.replace("\r", ""))
        if unit == "line":
            pieces = [line for line in text.split("\n")]
        else:
            paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
            pieces = [
                s
                for p in paragraphs
                if p
                for s in split_sentences(p, ctx.option("abbreviations", []), code)
            ]
        for piece in pieces:
            cleaned = clean(piece)
            if cleaned:
                yield ctx.segment(
                    path,
                    "text",
                    cleaned,
                    page=page,
                    document=ctx.rel(path),
                    context=dict(context),
                )
