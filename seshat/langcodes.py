"""Language codes as each tool wants them: ISO 639-1/-3 from a project, tesseract's and Whisper's.

A project names its languages with any ISO 639 code (``es``, ``spa``, ``shp``). Tesseract's
language data are named by ISO 639-3 (``spa``, ``deu``) with a few exceptions of its own
(``chi_sim``); Whisper takes ISO 639-1 (``es``). The ISO tables come from ``python-iso639``.
"""

from __future__ import annotations

from collections.abc import Iterable

# ISO 639-3 -> tesseract's data name, where they differ (tesseract-ocr-* packages)
TESSERACT_NAMES = {"zho": "chi_sim"}
# Whisper's languages that have no ISO 639-1 code: it names them by ISO 639-3
WHISPER_THREE_LETTER = frozenset({"haw", "yue"})


def iso639_3(code: str) -> str | None:
    """The ISO 639-3 code of a 639-1, 639-2 or 639-3 code (``es`` -> ``spa``); None if unknown."""
    from iso639 import Language
    from iso639.language import LanguageNotFoundError

    text = code.strip().lower().replace("_", "-").split("-")[0]
    if not text:
        return None
    try:
        return str(Language.match(text).part3)
    except LanguageNotFoundError:
        return None


def tesseract_language(codes: Iterable[str], fallback: str = "eng") -> str:
    """Tesseract's language name for the first of ``codes`` that ISO 639 knows.

    Args:
        codes: A language's codes, e.g. the source language's ``("es",)``.
        fallback: What to use when none is known.
    """
    for code in codes:
        three = iso639_3(code)
        if three:
            return TESSERACT_NAMES.get(three, three)
    return fallback


def whisper_language(code: str) -> str | None:
    """Whisper's code (ISO 639-1) for a language code, or None when it has none."""
    from iso639 import Language
    from iso639.language import LanguageNotFoundError

    three = iso639_3(code)
    if three is None:
        return None
    if three in WHISPER_THREE_LETTER:
        return three
    try:
        part1 = Language.from_part3(three).part1
    except LanguageNotFoundError:
        return None
    return str(part1) if part1 else None


def language_keys(codes: Iterable[str]) -> set[str]:
    """The codes of one language as matching compares them: lower case, and their ISO 639-3."""
    codes = list(codes)
    return {c.lower() for c in codes if c} | {iso639_3(c) or "" for c in codes if c} - {""}


def is_language(code: str | None, codes: Iterable[str]) -> bool:
    """Whether ``code`` (ISO 639-1 or -3, any case) names the language of ``codes``."""
    if not code:
        return False
    keys = language_keys(codes)
    return code.lower() in keys or (iso639_3(code) or "?") in keys
