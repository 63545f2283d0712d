"""LIFT lexicons (FLEx, WeSay, Lexique Pro exports): one segment per sense and per example.

The target-language forms are those whose ``lang`` is one of the project language's codes (or
``options.target_lang``); glosses, definitions and example translations are taken in the source
language only (``options.translation_lang``, else the source language's codes); those in other
languages are counted in the ingest receipt, never used as a translation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext
from seshat.data.readers.xmlutil import parse, text_of


def _pick(elements: list[ET.Element], langs: tuple[str, ...], fallback: bool = True) -> str | None:
    """The text of the first element in one of ``langs`` (else of the first one, if allowed)."""
    for lang in langs:
        for element in elements:
            if element.get("lang") == lang:
                return text_of(element.find("text")) or text_of(element)
    if fallback and elements:
        return text_of(elements[0].find("text")) or text_of(elements[0])
    return None


def _meaning(
    elements: list[ET.Element], langs: tuple[str, ...], what: str, ctx: ReaderContext
) -> str | None:
    """The form in the source language; forms in other languages are counted, never used."""
    for element in elements:
        ctx.saw_language(what, element.get("lang") or "?")
    found = _pick(elements, langs, fallback=False)
    if found is None and elements:
        others = sorted({e.get("lang") or "?" for e in elements})
        plural = {"gloss": "glosses"}.get(what, f"{what}s")
        ctx.leave_out(f"{plural} only in {', '.join(others)} (not the source language)")
    return found


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Senses as ``dictionary_entry`` segments, examples as ``example`` segments."""
    root = parse(path, ctx, "lift", "a LIFT lexicon")
    target = tuple(filter(None, (ctx.option("target_lang"), *ctx.target_codes)))
    meaning = tuple(filter(None, (ctx.option("translation_lang"), *ctx.translation_codes)))
    for entry in root.iter("entry"):
        entry_id = entry.get("guid") or entry.get("id") or ""
        unit = entry.find("lexical-unit")
        headword = _pick(unit.findall("form") if unit is not None else [], target)
        if not headword:
            ctx.leave_out("entries without a headword in the target language")
            continue
        for sense in entry.findall("sense"):
            info = sense.find("grammatical-info")
            gloss = _meaning(sense.findall("gloss"), meaning, "gloss", ctx)
            definition_el = sense.find("definition")
            definition = (
                _meaning(definition_el.findall("form"), meaning, "definition", ctx)
                if definition_el is not None
                else None
            )
            if not (gloss or definition):
                ctx.leave_out("senses without a gloss or definition in the source language")
            if gloss or definition:
                yield ctx.segment(
                    path,
                    "dictionary_entry",
                    headword,
                    translation=gloss,
                    definition=definition,
                    pos=info.get("value") if info is not None else None,
                    record=sense.get("id") or entry_id,
                    document=entry_id,
                )
            for example in sense.findall("example"):
                text = _pick(example.findall("form"), target)
                translation_el = example.find("translation")
                translated = (
                    _meaning(translation_el.findall("form"), meaning, "example translation", ctx)
                    if translation_el is not None
                    else None
                )
                if text:
                    yield ctx.segment(
                        path,
                        "example",
                        text,
                        translation=translated,
                        record=sense.get("id") or entry_id,
                        document=entry_id,
                        context={"headword": headword},
                    )
