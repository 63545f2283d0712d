"""FLEx interlinear exports (``.flextext``): one ``igt`` segment per phrase.

Words give the text; morphemes give the breakdown (``naham-we-lo``) and the Leipzig-style gloss
(``Naham-MASC.SING-COMITATIVE``); the phrase's free translation comes in the source language.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, clean
from seshat.data.readers.xmlutil import parse, text_of


def _item(
    element: ET.Element, kind: str, langs: tuple[str, ...] = (), strict: bool = False
) -> str | None:
    """The item of ``kind`` in the first of ``langs`` found, else the first item (none if strict).

    Morpheme glosses are a metalanguage (any language will do); a free translation is used only
    in the source language (``strict``).
    """
    items = [i for i in element.findall("item") if i.get("type") == kind]
    for lang in langs:
        for item in items:
            if item.get("lang") == lang:
                return text_of(item)
    return text_of(items[0]) if items and not strict else None


def _word(word: ET.Element, meaning: tuple[str, ...]) -> tuple[str, str, str]:
    """(surface form, morphemes, gloss) of one word."""
    morphs = word.findall("morphemes/morph")
    punct = _item(word, "punct")
    surface = _item(word, "txt") or punct or ""
    if punct and not morphs:
        return surface, "", ""
    if not morphs:
        return surface, surface, _item(word, "gls", meaning) or ""
    forms = "".join(_item(m, "txt") or "" for m in morphs)
    glosses = [(_item(m, "gls", meaning) or "?").strip().strip("-") for m in morphs]
    return surface, forms, "-".join(glosses)


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Phrases of every interlinear text."""
    root = parse(path, ctx, "document", "a FLEx interlinear export")
    meaning = tuple(filter(None, (ctx.option("translation_lang"), *ctx.translation_codes)))
    for text_el in root.iter("interlinear-text"):
        document = text_el.get("guid") or _item(text_el, "title") or ctx.rel(path)
        title = _item(text_el, "title")
        # FLEx writes <phrases><phrase>; some exports (FLEx 8) name the phrase element <word>.
        phrases = [child for group in text_el.iter("phrases") for child in group]
        for number, phrase in enumerate(phrases, 1):
            words = [_word(w, meaning) for w in phrase.findall("words/word")]
            surface = clean(" ".join(w[0] for w in words if w[0]))
            if not surface:
                continue
            lexical = [w for w in words if w[1]]
            translations = [i for i in phrase.findall("item") if i.get("type") == "gls"]
            for item in translations:
                ctx.saw_language("translation", item.get("lang") or "?")
            translation = _item(phrase, "gls", meaning, strict=True)
            if translations and translation is None:
                langs = ", ".join(sorted({i.get("lang") or "?" for i in translations}))
                ctx.leave_out(f"free translations only in {langs} (not the source language)")
            yield ctx.segment(
                path,
                "igt",
                surface,
                translation=translation,
                morphemes=clean(" ".join(w[1] for w in lexical)),
                gloss=clean(" ".join(w[2] for w in lexical)),
                record=phrase.get("guid") or _item(phrase, "segnum") or str(number),
                document=document,
                context={"title": title} if title else {},
            )
