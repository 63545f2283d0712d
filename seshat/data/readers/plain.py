"""Plain text (one segment per non-empty line) and line-aligned parallel files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean, read_text


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """One ``text`` segment per non-empty line; the file is the document."""
    document = ctx.rel(path)
    for number, line in enumerate(read_text(path, ctx).split("\n"), 1):
        text = clean(line)
        if text:
            yield ctx.segment(
                path, ctx.option("kind", "text"), text, line=number, document=document
            )


def read_parallel(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Line-aligned pairs: ``path`` in the target language, ``options.translation`` in the source.

    Raises:
        ReaderError: No translation file named, or files with different numbers of lines.
    """
    other = ctx.option("translation")
    if not other:
        raise ReaderError(
            f"source {ctx.source_id!r} is 'parallel' but names no translation file.",
            "set `options.translation: path/to/the-source-language-file.txt` (line-aligned)",
        )
    other_path = ctx.root / str(other)
    if ctx.option("align"):
        yield from _aligned(path, other_path, ctx)
        return
    target = read_text(path, ctx).rstrip("\n").split("\n")
    translation = read_text(other_path, ctx).rstrip("\n").split("\n")
    if len(target) != len(translation):
        raise ReaderError(
            f"{ctx.rel(path)} has {len(target)} lines but {ctx.rel(other_path)} has "
            f"{len(translation)}: a parallel pair must be line-aligned.",
            "fix the files, or set `options.align: true` for documents that are not line-aligned",
        )
    document = ctx.rel(path)
    for number, (left, right) in enumerate(zip(target, translation, strict=True), 1):
        text, meaning = clean(left), clean(right)
        if text or meaning:
            yield ctx.segment(
                path,
                "sentence",
                text or "",
                translation=meaning,
                line=number,
                document=document,
            )


def depends(path: Path, ctx: ReaderContext) -> list[Path]:
    """The translation file of a parallel source and its lexicon (a TSV or a source's records)."""
    found = []
    if ctx.option("translation"):
        found.append(ctx.root / str(ctx.option("translation")))
    lexicon = ctx.option("lexicon")
    if lexicon:
        from seshat.data.ingest import RECORDS

        name = str(lexicon)
        is_source = "/" not in name and "." not in name
        found.append(ctx.root / RECORDS / f"{name}.jsonl" if is_source else ctx.root / name)
    return found


def _paragraphs(text: str) -> list[str]:
    return [p for p in (" ".join(block.split()) for block in text.split("\n\n")) if p]


def _aligned(path: Path, other_path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Align parallel documents that are not line-aligned.

    Paragraphs (blank-line separated) are split into sentences and aligned (:mod:`seshat.data.align`);
    ``options.lexicon`` adds anchors: the id of a dictionary source of the project (ingested before
    this one) or a two-column TSV of target word and translation. Links with one side empty give no
    segment.
    """
    from seshat.data.align import Aligner
    from seshat.data.sentences import split_sentences

    extra = ctx.option("abbreviations", [])
    target = [
        split_sentences(p, extra, ctx.target_codes[0] if ctx.target_codes else None)
        for p in _paragraphs(read_text(path, ctx))
    ]
    source = [
        split_sentences(p, extra, ctx.translation_codes[0] if ctx.translation_codes else None)
        for p in _paragraphs(read_text(other_path, ctx))
    ]
    lexicon = _lexicon(str(ctx.option("lexicon")), ctx) if ctx.option("lexicon") else {}
    flat_t = [s for p in target for s in p]
    flat_s = [s for p in source for s in p]
    try:
        links = Aligner(lexicon).align_paragraphs(target, source)
    except ValueError as exc:
        raise ReaderError(
            f"{ctx.rel(path)} and {ctx.rel(other_path)} could not be aligned: {exc}.",
            "check that the two files are translations of each other",
        ) from None
    document = ctx.rel(path)
    for link in links:
        if not link.target or not link.source:
            continue
        yield ctx.segment(
            path,
            "sentence",
            " ".join(flat_t[k] for k in link.target),
            translation=" ".join(flat_s[k] for k in link.source),
            record=f"{link.target[0] + 1}",
            document=document,
            context={
                "alignment": f"{len(link.target)}-{len(link.source)}",
                "alignment_cost": f"{link.cost:.2f}",
            },
        )


def _lexicon(name: str, ctx: ReaderContext) -> dict[str, list[str]]:
    """Target word -> source-language words, from an ingested dictionary source or a TSV file.

    Raises:
        ReaderError: A name that is neither an ingested source nor a readable file.
    """
    import json
    import re

    from seshat.data.ingest import RECORDS

    lexicon: dict[str, list[str]] = {}
    records = ctx.root / RECORDS / f"{name}.jsonl"
    if "/" not in name and "." not in name:
        if not records.is_file():
            raise ReaderError(
                f"the lexicon of source {ctx.source_id!r} is source {name!r}, which has not been "
                "ingested yet.",
                f"list source {name!r} before {ctx.source_id!r} in seshat.yaml (sources are "
                "ingested in order), or name a TSV file",
            )
        with open(records, encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                if row.get("kind") in ("dictionary_entry", "wordlist") and row.get("translation"):
                    words = re.findall(r"\w{2,}", row["translation"].casefold())
                    lexicon.setdefault(row["text"].casefold(), []).extend(words)
        return lexicon
    for line in read_text(ctx.root / name, ctx).split("\n"):
        word, _, meaning = line.partition("\t")
        if word.strip() and meaning.strip():
            lexicon.setdefault(word.strip(), []).extend(meaning.split())
    return lexicon
