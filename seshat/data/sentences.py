"""Sentence splitting that knows abbreviations, initials, numbers and inverted ¡ ¿ marks.

Common splitters cut "Sr. Pérez" after "Sr." and miss that "¿Vienes? Sí." is two sentences while
"¿vienes?, preguntó" is one. A sentence ends at ``.``, ``!``, ``?`` or ``…`` (with any closing
quotes or brackets) when the next word starts a sentence (capital letter, digit, ``¡``, ``¿``,
opening quote or dash), unless the word before the period is a known abbreviation or an initial.
Abbreviations come per language (``ABBREVIATIONS``, by code) and from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Per language code: words that end with a period without ending a sentence (lower-cased, no dot).
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "es": frozenset(
        [
            "sr",
            "sra",
            "srta",
            "sres",
            "dr",
            "dra",
            "drs",
            "lic",
            "ing",
            "arq",
            "prof",
            "profa",
            "ud",
            "uds",
            "vd",
            "vds",
            "etc",
            "pág",
            "págs",
            "p",
            "núm",
            "nº",
            "no",
            "art",
            "cap",
            "vol",
            "fig",
            "cf",
            "ej",
            "aprox",
            "av",
            "avda",
            "c",
            "cía",
            "dpto",
            "depto",
            "gral",
            "pte",
            "tel",
            "hnos",
            "mons",
            "sto",
            "sta",
            "a.m",
            "p.m",
            "a.c",
            "d.c",
            "ee.uu",
            "p.ej",
            "i.e",
            "e.g",
        ]
    ),
    "en": frozenset(
        [
            "mr",
            "mrs",
            "ms",
            "dr",
            "prof",
            "st",
            "jr",
            "sr",
            "vs",
            "etc",
            "e.g",
            "i.e",
            "fig",
            "no",
            "vol",
            "pp",
            "cf",
            "approx",
            "dept",
            "inc",
            "ltd",
            "co",
            "a.m",
            "p.m",
            "u.s",
        ]
    ),
}

_END = re.compile("([.!?\u2026]+)([\"'\u00bb\u201d\u2019)\\]]*)(\\s+)")
_OPENERS = "\"'\u00ab\u201c\u2018([\u00a1\u00bf\u2014\u2013-"


def _starts_sentence(following: str) -> bool:
    """Whether the text after a stop begins a sentence: a capital, a digit, or a caseless letter."""
    word = following.lstrip().lstrip(_OPENERS)
    if not word:
        return bool(following.strip())  # only an opener such as ¿ or ¡: a new sentence
    first = word[0]
    return (
        first.isupper() or first.isdigit() or (first.isalpha() and first.lower() == first.upper())
    )


def split_sentences(
    text: str, abbreviations: Iterable[str] = (), code: str | None = None
) -> list[str]:
    """The sentences of ``text`` (whitespace inside each is collapsed).

    Args:
        text: A paragraph or document.
        abbreviations: Extra abbreviations (without their final period).
        code: Language code whose built-in abbreviations to use.
    """
    known = {a.lower().rstrip(".") for a in abbreviations} | set(ABBREVIATIONS.get(code or "", ()))
    text = " ".join(text.split())
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(text + " "):
        end = match.end(2)
        following = (text + " ")[match.end() :]
        if not following.strip():
            break
        if not _starts_sentence(following):
            continue
        if match.group(1) == ".":
            word = text[start : match.start()].rsplit(" ", 1)[-1].lower().lstrip("¡¿\"'«“(")
            if word in known or (len(word) == 1 and word.isalpha()):
                continue
        sentences.append(text[start:end].strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences
