"""Xigt interlinear glossed text (XML): one ``igt`` segment per ``<igt>``.

Items hold text or point at other items (``content``/``segmentation`` expressions such as
``p1[0:6]`` or ``w1[0:3]+w1[5:7]``), which are resolved. The phrase gives the text; the words tier
that segments it and the morphemes tier that segments those give the breakdown (``Nay-ka``); glosses
aligned to morphemes give the Leipzig gloss (several glosses of one morpheme joined by ``.``); the
translations tier gives the translation.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, clean
from seshat.data.readers.xmlutil import parse

_TERM = re.compile(r"([^\[\]+,]+)(?:\[(\d+):(\d+)\])?")


class _Igt:
    """The items of one ``<igt>``, with reference resolution."""

    def __init__(self, igt: ET.Element) -> None:
        self.tiers = igt.findall("tier")
        self.items = {i.get("id"): i for t in self.tiers for i in t.findall("item")}
        self.tier_of = {i.get("id"): t for t in self.tiers for i in t.findall("item")}
        self.cache: dict[str, str] = {}

    def value(self, item_id: str, depth: int = 0) -> str:
        """The text of an item, following its references (cycles and depth guarded)."""
        if item_id in self.cache:
            return self.cache[item_id]
        item = self.items.get(item_id)
        if item is None or depth > 20:
            return ""
        tier = self.tier_of[item_id]
        if item.text and item.text.strip():
            text = item.text.strip()
        else:
            expression = (
                item.get("content")
                or item.get("segmentation")
                or ("" if item.get("alignment") else None)
                or ""
            )
            if not expression and tier.get("content"):
                expression = item.get("id", "")
            text = self.resolve(expression, depth + 1) if expression else ""
        self.cache[item_id] = text
        return text

    def resolve(self, expression: str, depth: int) -> str:
        """Text of an expression like ``p1[0:6]+p1[8:10]``."""
        parts = []
        for match in _TERM.finditer(expression):
            base = self.value(match.group(1).strip(), depth)
            if match.group(2) is not None:
                base = base[int(match.group(2)) : int(match.group(3))]
            parts.append(base)
        return "".join(parts)

    def tier(
        self, kind: str, over: str | None = None, key: str = "segmentation"
    ) -> ET.Element | None:
        """The tier of type ``kind`` (pointing at tier ``over`` through ``key``, when given)."""
        for tier in self.tiers:
            if tier.get("type") == kind and (over is None or tier.get(key) == over):
                return tier
        return None


def _target(ref: str | None) -> str:
    return re.split(r"[\[+,]", ref or "", maxsplit=1)[0]


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Every ``<igt>`` with a phrase."""
    root = parse(path, ctx, "xigt-corpus", "a Xigt corpus")
    for number, element in enumerate(root.iter("igt"), 1):
        igt = _Igt(element)
        phrases = igt.tier("phrases")
        if phrases is None or not phrases.findall("item"):
            continue
        phrase_ids = [i.get("id", "") for i in phrases.findall("item")]
        text = clean(" ".join(igt.value(i) for i in phrase_ids))
        if not text:
            continue
        words = igt.tier("words", phrases.get("id"))
        morphemes = igt.tier("morphemes", words.get("id")) if words is not None else None
        breakdown, glossed = [], []
        glosses = None
        if words is not None and morphemes is not None:
            glosses = igt.tier("glosses", morphemes.get("id"), "alignment")
            by_morpheme: dict[str, list[str]] = {}
            if glosses is not None:
                for g in glosses.findall("item"):
                    by_morpheme.setdefault(g.get("alignment", ""), []).append(
                        igt.value(g.get("id", ""))
                    )
            for word in words.findall("item"):
                parts = [
                    m
                    for m in morphemes.findall("item")
                    if _target(m.get("segmentation")) == word.get("id")
                ]
                breakdown.append("-".join(igt.value(m.get("id", "")) for m in parts))
                glossed.append(
                    "-".join(".".join(by_morpheme.get(m.get("id", ""), ["?"])) for m in parts)
                )
        translations = igt.tier("translations")
        translation = (
            clean(" ".join(igt.value(i.get("id", "")) for i in translations.findall("item")))
            if translations is not None
            else None
        )
        used = [t for t in (phrases, words, morphemes, glosses, translations) if t is not None]
        for other in igt.tiers:
            if all(other is not t for t in used):
                ctx.leave_out(f"{other.get('type') or 'untyped'} tiers (not read)")
        yield ctx.segment(
            path,
            "igt",
            text,
            translation=translation.strip("`'\"") if translation else None,
            morphemes=clean(" ".join(breakdown)),
            gloss=clean(" ".join(glossed)) if any(g.strip("?-") for g in glossed) else None,
            record=element.get("id") or str(number),
            document=element.get("doc-id") or ctx.rel(path),
        )
