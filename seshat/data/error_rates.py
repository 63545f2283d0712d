"""Error rates against a reference: character (OCR) and word (transcription) level."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence


def edit_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Levenshtein distance between two sequences (characters of strings, words of lists)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(hypothesis: str, reference: str) -> float:
    """Character error rate of ``hypothesis`` against ``reference`` (whitespace collapsed)."""
    hyp, ref = " ".join(hypothesis.split()), " ".join(reference.split())
    return edit_distance(hyp, ref) / max(len(ref), 1)


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.casefold())
    return re.findall(r"\w+", text)


def wer(hypothesis: str, reference: str) -> float:
    """Word error rate (case and punctuation ignored)."""
    hyp, ref = _words(hypothesis), _words(reference)
    return edit_distance(hyp, ref) / max(len(ref), 1)
