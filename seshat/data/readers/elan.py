"""ELAN transcriptions (``.eaf``): one ``transcript`` segment per annotation of the main tier.

The transcription tier is ``options.transcription_tier`` (default: the first tier without a
parent); the translation and gloss tiers (``options.translation_tier``, ``options.gloss_tier``;
default: a child tier whose id or type mentions "transl", "ft" or "free" / "gl") are matched to it
by annotation reference or by time. The tier's participant becomes the speaker; time spans are kept.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean
from seshat.data.readers.xmlutil import parse, text_of


def _child_tier(tiers: list[ET.Element], parent: str, words: tuple[str, ...]) -> str | None:
    for tier in tiers:
        if tier.get("PARENT_REF") != parent:
            continue
        label = f"{tier.get('TIER_ID', '')} {tier.get('LINGUISTIC_TYPE_REF', '')}".lower()
        if any(word in label for word in words):
            return tier.get("TIER_ID")
    return None


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Annotations of the transcription tier with their translation, gloss, speaker and times.

    Raises:
        ReaderError: Not an EAF file, or a named tier that does not exist.
    """
    root = parse(path, ctx, "ANNOTATION_DOCUMENT", "an ELAN file")
    slots = {
        s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE"))  # type: ignore[arg-type]
        for s in root.iter("TIME_SLOT")
        if s.get("TIME_VALUE") is not None
    }
    tiers = root.findall("TIER")
    by_id = {t.get("TIER_ID"): t for t in tiers}
    main = ctx.option("transcription_tier") or next(
        (t.get("TIER_ID") for t in tiers if not t.get("PARENT_REF")), None
    )
    translation = ctx.option("translation_tier") or _child_tier(
        tiers, str(main), ("transl", "trans", "ft", "free")
    )
    gloss = ctx.option("gloss_tier") or _child_tier(tiers, str(main), ("gloss", "gl"))
    for name in (main, translation, gloss):
        if name is not None and name not in by_id:
            raise ReaderError(
                f"{ctx.rel(path)} has no tier {name!r} (tiers: {', '.join(map(str, by_id))}).",
                f"set the tier options of source {ctx.source_id!r} to existing tier ids",
            )
    if main is None:
        return

    def values(tier_id: str | None) -> tuple[dict[str, str], dict[tuple[int, int], str]]:
        """A dependent tier's values by referenced annotation id and by time span."""
        by_ref: dict[str, str] = {}
        by_time: dict[tuple[int, int], str] = {}
        if tier_id is None:
            return by_ref, by_time
        for ann in by_id[tier_id].iter("REF_ANNOTATION"):
            by_ref[ann.get("ANNOTATION_REF", "")] = text_of(ann.find("ANNOTATION_VALUE")) or ""
        for ann in by_id[tier_id].iter("ALIGNABLE_ANNOTATION"):
            span = (slots.get(ann.get("TIME_SLOT_REF1")), slots.get(ann.get("TIME_SLOT_REF2")))
            if None not in span:
                by_time[span] = text_of(ann.find("ANNOTATION_VALUE")) or ""  # type: ignore[index]
        return by_ref, by_time

    translations, gloss_values = values(translation), values(gloss)
    language = by_id[translation].get("LANG_REF") if translation is not None else None
    if language:
        ctx.saw_language("translation", language.rstrip("/").rsplit("/", 1)[-1])
        if not ctx.is_source_language(language.rstrip("/").rsplit("/", 1)[-1]):
            ctx.leave_out(
                f"translations of tier {translation!r} in {language} (not the source language)",
                len(translations[0]) + len(translations[1]),
            )
            translations = ({}, {})
    for other in tiers:
        name = other.get("TIER_ID")
        if name not in (main, translation, gloss):
            count = sum(1 for _ in other.iter("ANNOTATION"))
            ctx.leave_out(
                f"annotations of tier {name!r} ({other.get('LINGUISTIC_TYPE_REF')}), not read: "
                "set the tier options to use it",
                count,
            )
    tier = by_id[main]
    speaker = {"id": tier.get("PARTICIPANT")} if tier.get("PARTICIPANT") else {}
    if tier.get("ANNOTATOR"):
        speaker["annotator"] = str(tier.get("ANNOTATOR"))
    for ann in tier.iter("ALIGNABLE_ANNOTATION"):
        text = clean(text_of(ann.find("ANNOTATION_VALUE")))
        if not text:
            continue
        ann_id = ann.get("ANNOTATION_ID", "")
        start, end = slots.get(ann.get("TIME_SLOT_REF1")), slots.get(ann.get("TIME_SLOT_REF2"))
        span = (start, end)
        yield ctx.segment(
            path,
            "transcript",
            text,
            translation=clean(translations[0].get(ann_id) or translations[1].get(span)),  # type: ignore[arg-type]
            gloss=clean(gloss_values[0].get(ann_id) or gloss_values[1].get(span)),  # type: ignore[arg-type]
            start_ms=start,
            end_ms=end,
            record=ann_id,
            document=ctx.rel(path),
            speaker=speaker,
            context={"tier": str(main)},
        )
