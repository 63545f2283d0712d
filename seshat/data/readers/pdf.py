"""PDFs with a text layer: one ``text`` segment per sentence, with its page.

Lines are joined into paragraphs (a word hyphenated at a line end is rejoined), paragraphs split
into sentences (:mod:`seshat.data.sentences`; ``options.unit: line`` keeps lines instead). Pages
without a text layer (scans) are rendered with pdftoppm and read by OCR, one segment per line
(the OCR options of :mod:`seshat.data.readers.image` apply), unless ``options.ocr`` is ``never``.
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
    empty = [k for k, text in enumerate(texts, 1) if not text.strip()]
    mode = ctx.option("ocr", "auto")
    if empty and mode != "never":
        scanned = _ocr_pages(path, empty, ctx)
    elif len(empty) == len(texts):
        raise ReaderError(
            f"{ctx.rel(path)} has no text layer ({len(texts)} scanned page(s)) and "
            "`options.ocr` is 'never'.",
            "set `options.ocr: auto` to read its pages by OCR",
        )
    else:
        scanned = {}
    unit = ctx.option("unit", "sentence")
    code = ctx.target_codes[0] if ctx.target_codes else None
    context = {"pages_without_text": ",".join(map(str, empty))} if empty and not scanned else {}
    for page, text in enumerate(texts, 1):
        if page in scanned:
            yield from scanned[page]
            continue
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


def _ocr_pages(path: Path, pages: list[int], ctx: ReaderContext) -> dict[int, list[Segment]]:
    """OCR the scanned pages of a PDF: pdftoppm renders each at 300 dpi, tesseract reads it.

    Raises:
        ReaderError: pdftoppm missing or failing (tesseract errors come from the OCR reader).
    """
    import shutil
    import subprocess
    import tempfile

    from seshat.data.readers.image import ocr_page

    program = shutil.which("pdftoppm")
    if program is None:
        raise ReaderError(
            f"{ctx.rel(path)} has {len(pages)} scanned page(s); rendering them for OCR needs "
            "pdftoppm.",
            "install it (Debian/Ubuntu: `apt-get install poppler-utils`), or set `options.ocr: never`",
        )
    found: dict[int, list[Segment]] = {}
    with tempfile.TemporaryDirectory(prefix="seshat-ocr-") as tmp:
        for page in pages:
            stem = Path(tmp) / f"page-{page}"
            done = subprocess.run(
                [
                    program,
                    "-r",
                    "300",
                    "-png",
                    "-singlefile",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(path),
                    str(stem),
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
            image = stem.with_suffix(".png")
            if done.returncode != 0 or not image.is_file():
                raise ReaderError(
                    f"{ctx.rel(path)}: pdftoppm could not render page {page} ({done.stderr.strip()[-200:]}).",
                    "the PDF may be damaged: export it again",
                )
            found[page] = list(ocr_page(image, path, page, ctx))
    return found
