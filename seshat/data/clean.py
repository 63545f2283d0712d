"""``seshat data clean``: normalise every record and flag what looks wrong, never deleting anything.

Reads ``data/records/*.jsonl`` and writes ``data/clean/<source>.jsonl``. Text is NFC-normalised
and passed through the orthography map of ``language.normalize`` (longest keys first); whitespace
is collapsed and, unless ``cleaning.punctuation_spacing`` is off, stray spaces around punctuation
are removed. Each check adds a flag with its reason:

- ``empty``: no target text, or a pair without translation where one is expected;
- ``untranslated`` (informative): an interlinear record with morphemes and glosses but no free
  translation, kept for glossing and morphology;
- ``exact_duplicate`` / ``near_duplicate``: the same text and translation seen before (near: the
  same once case, accents, punctuation and spacing are ignored);
- ``too_long``: more than ``cleaning.max_chars`` characters;
- ``length_ratio``: a pair whose lengths differ more than ``cleaning.min_ratio``..``max_ratio``;
- ``encoding``: mojibake (UTF-8 read as Latin-1, "Ã©") or the replacement character;
- ``control_chars``: control or private-use characters;
- ``charset``: target-language text with letters outside ``language.alphabet`` (a note: loans and
  names are common; the report shows which letters);
- ``low_confidence`` (set by OCR): a line tesseract read with little confidence.

Flags in :data:`BLOCKING` keep a record out of the training data (``seshat data format``); the
others are notes (duplicates are written once per split by ``seshat data split``).
``data/clean/report.json`` counts flags per rule and source.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seshat.config.loader import LoadedProject
from seshat.corpus.jsonl import read_segments
from seshat.corpus.segment import Segment
from seshat.data.ingest import RECORDS
from seshat.data.orthography import compare, strong, units
from seshat.errors import SeshatError
from seshat.yamlio import atomic_write_text, atomic_writer

CLEAN = Path("data/clean")
BLOCKING = frozenset(
    {"empty", "too_long", "length_ratio", "encoding", "control_chars", "low_confidence"}
)
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|\ufffd")
# combining marks, punctuation, symbols, spaces and "_" (re's \\w is str.isalnum() plus "_")
_NOT_ALNUM = re.compile(r"[\W_]+")
# Unicode categories Cc (controls), Cs (surrogates) and Co (private use)
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]"
)
_PAIRED = ("sentence", "example", "igt", "transcript")


_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)\]\u00bb\u2026])")
_SPACE_AFTER = re.compile(r"([(\[\u00ab\u00bf\u00a1])\s+")


def fix_punctuation_spacing(text: str) -> str:
    """No space before closing punctuation, none after opening marks (``¿ Vienes ?`` -> ``¿Vienes?``)."""
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", text))


class Normaliser:
    """NFC, the project's orthography map (longest match first), collapsed whitespace."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = {unicodedata.normalize("NFC", k): v for k, v in mapping.items() if k}
        keys = sorted(self.mapping, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None

    def __call__(self, text: str) -> str:
        """The normalised text."""
        text = unicodedata.normalize("NFC", text)
        if self.pattern is not None:
            text = self.pattern.sub(lambda m: self.mapping[m.group(0)], text)
        return " ".join(text.split())


def cleaner(spec: Any) -> Callable[[str], str]:
    """The text normalisation cleaning applies to a record's text, for other stages to match it.

    (A user's own test sentences are compared with cleaned records after the same changes.)
    """
    normalise = Normaliser(spec.language.normalize)
    if not spec.cleaning.punctuation_spacing:
        return normalise
    return lambda text: fix_punctuation_spacing(normalise(text))


def loose_key(text: str) -> str:
    """The text without case, accents, punctuation or spacing (for near-duplicates)."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))


def foreign_letters(text: str, alphabet: frozenset[str]) -> list[str]:
    """Letters of ``text`` that are not in ``alphabet``, case-folded.

    Marks, digits, punctuation and spaces are not letters.
    """
    return sorted({c for c in text.casefold() if c.isalpha() and c not in alphabet})


def check(
    segment: Segment,
    cfg: Any,
    seen: set[int],
    seen_loose: set[int],
    alphabet: frozenset[str] | None = None,
) -> None:
    """Add the flags of one (already normalised) segment; ``seen`` sets are updated."""
    text, translation = segment.text, segment.translation or ""
    if not text:
        segment.flag("empty", "no target-language text")
    elif segment.kind == "igt" and not translation and segment.morphemes and segment.gloss:
        # glossing and morphology need no translation: kept for them, out of translation tasks
        segment.flag("untranslated", "no free translation; used for glossing and morphology")
    elif segment.kind in _PAIRED and segment.kind != "transcript" and not translation:
        segment.flag("empty", "no translation")
    features = segment.gloss or "" if segment.kind == "inflection" else ""  # a syncretism
    exact = hash(
        f"{text}\x1f{translation}\x1f{features}"
    )  # 64-bit hashes: a million keys stay small
    loose = hash(f"{loose_key(text)}\x1f{loose_key(translation)}\x1f{features}")
    if exact in seen:
        segment.flag("exact_duplicate", "the same text and translation occur earlier")
    elif loose in seen_loose:
        segment.flag(
            "near_duplicate",
            "the same text and translation, up to case, accents and punctuation, occur earlier",
        )
    seen.add(exact)
    seen_loose.add(loose)
    if len(text) > cfg.max_chars:
        segment.flag("too_long", f"{len(text)} characters (cleaning.max_chars is {cfg.max_chars})")
    if min(len(text), len(translation)) >= cfg.ratio_min_chars:
        ratio = len(text) / len(translation)
        if not cfg.min_ratio <= ratio <= cfg.max_ratio:
            segment.flag(
                "length_ratio",
                f"text/translation length ratio {ratio:.2f} outside {cfg.min_ratio}..{cfg.max_ratio}",
            )
    joined = f"{text} {translation}"
    if _MOJIBAKE.search(joined):
        segment.flag("encoding", "mojibake or U+FFFD: the file was decoded with the wrong encoding")
    if alphabet is not None:
        foreign = foreign_letters(text, alphabet)
        if foreign:
            segment.flag("charset", f"letters outside language.alphabet: {''.join(foreign)}")
    if _CONTROL.search(joined):
        segment.flag("control_chars", "control or private-use characters")


def clean(project: LoadedProject) -> dict[str, Any]:
    """Write ``data/clean/<source>.jsonl`` and ``report.json``; return the report.

    Raises:
        SeshatError: Nothing ingested yet.
    """
    root, spec = project.root, project.spec
    inputs = sorted((root / RECORDS).glob("*.jsonl"))
    if not inputs:
        raise SeshatError(
            f"There are no ingested records in {root / RECORDS}.", "run `seshat data ingest` first"
        )
    clean_text = cleaner(spec)
    alphabet = (
        frozenset(unicodedata.normalize("NFC", spec.language.alphabet).casefold())
        if spec.language.alphabet
        else None
    )
    seen: set[int] = set()
    seen_loose: set[int] = set()
    flags: Counter[str] = Counter()
    per_source: dict[str, dict[str, int]] = {}
    spelling: dict[str, tuple[Counter[str], int]] = {}
    for path in inputs:
        counts: Counter[str] = Counter()
        letters: Counter[str] = Counter()
        total = 0
        with atomic_writer(root / CLEAN / path.name) as out:
            for segment in read_segments(path):
                segment.text = clean_text(segment.text)
                if segment.translation is not None:
                    segment.translation = " ".join(
                        unicodedata.normalize("NFC", segment.translation).split()
                    )
                    if spec.cleaning.punctuation_spacing:
                        segment.translation = fix_punctuation_spacing(segment.translation)
                check(segment, spec.cleaning, seen, seen_loose, alphabet)
                found, n = units([segment.text])
                letters.update(found)
                total += n
                counts["records"] += 1
                for flag in segment.flags:
                    counts[flag.rule] += 1
                out.write(segment.to_json() + "\n")
        per_source[path.stem] = dict(sorted(counts.items()))
        spelling[path.stem] = (letters, total)
        flags.update({k: v for k, v in counts.items() if k != "records"})
    report = {
        "records": sum(s.get("records", 0) for s in per_source.values()),
        "flags": dict(sorted(flags.items())),
        "blocking": sorted(BLOCKING),
        "sources": per_source,
        "orthography": _source_spelling(spelling),
    }
    atomic_write_text(
        root / CLEAN / "report.json", json.dumps(report, indent=2, sort_keys=True) + "\n"
    )
    return report


def _source_spelling(spelling: dict[str, tuple[Counter[str], int]]) -> dict[str, Any]:
    """Per source, the letters and digraphs it uses most unlike the rest of the corpus."""
    everything: Counter[str] = Counter()
    for found, _ in spelling.values():
        everything.update(found)
    letters = sum(n for _, n in spelling.values())
    report = {}
    for source, (found, n) in spelling.items():
        rest = (everything - found, letters - n)
        rows = compare((found, n), rest, top=5) if len(spelling) > 1 else []
        report[source] = {"differs_most": rows, "flag": bool(strong(rows))}
    return report


def usable(segment: Segment) -> bool:
    """Whether a segment may become training data (no blocking flag)."""
    return not any(flag.rule in BLOCKING for flag in segment.flags)
