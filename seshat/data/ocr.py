"""OCR with tesseract: lines and confidence, post-correction, CER against ground truth.

Pages are read into lines with their mean word confidence; an orthography post-correction table
fixes what the OCR model gets wrong (characters it lacks); the character error rate (CER) is
measured on pages that have a ground-truth transcription, with and without the table.

Tesseract is a system program (Debian: ``apt-get install tesseract-ocr tesseract-ocr-spa``; ``./run``
installs it where it can). Languages are tesseract's codes (``spa``, ``eng``; ``spa+eng``); a
folder of custom ``.traineddata`` files (a model trained for the language) is passed as
``--tessdata-dir``.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from seshat.data.error_rates import cer
from seshat.errors import SeshatError


class OcrError(SeshatError):
    """Tesseract is missing, lacks a language, or failed on a page."""


@dataclass(frozen=True)
class Line:
    """One OCR line: its text and the mean word confidence (0-100)."""

    text: str
    confidence: float


def tesseract_lines(image: Path, languages: str, tessdata: Path | None = None) -> list[Line]:
    """The text lines tesseract reads on ``image``.

    Raises:
        OcrError: No tesseract, an unknown language, or a page tesseract cannot read.
    """
    program = shutil.which("tesseract")
    if program is None:
        raise OcrError(
            "tesseract is not installed, so scanned pages cannot be read.",
            "install it (Debian/Ubuntu: `apt-get install tesseract-ocr tesseract-ocr-spa`), or "
            "rerun `./run`, which installs it when it can",
        )
    argv = [program, str(image), "stdout", "-l", languages]
    if tessdata is not None:
        argv += ["--tessdata-dir", str(tessdata)]
    done = subprocess.run([*argv, "tsv"], capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        problem = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        hint = (
            f"install the language data (Debian: `apt-get install tesseract-ocr-{languages.split('+')[0]}`) "
            "or set `options.tessdata` to a folder with its .traineddata"
            if "Failed loading language" in done.stderr or "traineddata" in done.stderr
            else "check that the file is an image tesseract reads (PNG, TIFF, JPEG)"
        )
        raise OcrError(f"tesseract failed on {image} ({problem}).", hint)
    lines: dict[tuple[str, str, str, str], list[tuple[str, float]]] = {}
    for row in csv.DictReader(io.StringIO(done.stdout), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, []).append((text, float(row.get("conf") or 0)))
    return [
        Line(" ".join(w for w, _ in words), sum(c for _, c in words) / len(words))
        for words in lines.values()
    ]


def ground_truth_for(image: Path) -> Path | None:
    """``<stem>.gt.txt`` or ``<stem>.txt`` next to a page image, if there is one."""
    for candidate in (image.with_suffix(".gt.txt"), image.with_suffix(".txt")):
        if candidate.is_file():
            return candidate
    return None


def page_report(
    image: Path,
    truth: Path,
    languages: str,
    corrections: dict[str, str],
    tessdata: Path | None = None,
) -> dict[str, float | str]:
    """CER of one page with and without the post-correction table, and its mean confidence."""
    from seshat.data.clean import Normaliser

    lines = tesseract_lines(image, languages, tessdata)
    raw = "\n".join(line.text for line in lines)
    corrected = "\n".join(Normaliser(corrections)(line.text) for line in lines)
    reference = truth.read_text(encoding="utf-8")
    confidence = sum(line.confidence for line in lines) / len(lines) if lines else 0.0
    return {
        "page": image.name,
        "languages": languages,
        "cer": round(cer(raw, reference), 4),
        "cer_corrected": round(cer(corrected, reference), 4),
        "confidence": round(confidence, 1),
    }
