"""CLDF wordlists: one ``wordlist`` segment per form of the project's language.

A CLDF wordlist is a folder with ``forms.csv``, ``parameters.csv`` and ``languages.csv``.
The source's ``path`` is the CLDF folder (or its ``cldf-metadata.json``). ``options.language``
picks the language by ID, Name or Glottocode (default: the project language's name, code or
glottocode); ``options.gloss_column`` names the column of ``parameters.csv`` that holds the
meaning in the source language (default: a column named like it, else ``Name``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean, read_text


def _table(folder: Path, name: str, ctx: ReaderContext) -> list[dict[str, str]]:
    """The rows of a CLDF table; each row also gets ``_line``, the file line it starts on."""
    path = folder / name
    if not path.is_file():
        raise ReaderError(
            f"{ctx.rel(folder)} has no {name}: not a CLDF wordlist folder.",
            f"point `path` of source {ctx.source_id!r} at the folder with forms.csv",
        )
    reader = csv.DictReader(io.StringIO(read_text(path, ctx), newline=""))
    rows = []
    start = 2  # a cell may hold a line break: a row starts after the line the last one ended on
    for row in reader:
        rows.append({**row, "_line": str(start)})
        start = reader.line_num + 1
    return rows


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Forms of the chosen language with their meaning.

    Raises:
        ReaderError: Missing tables, or a language that is not in ``languages.csv``.
    """
    folder = path.parent if path.is_file() else path
    languages = _table(folder, "languages.csv", ctx)
    # the option chooses the one language; without it, the project's target language
    asked = ctx.option("language")
    wanted = {
        str(w).lower() for w in ((asked,) if asked else (ctx.target_name, *ctx.target_codes)) if w
    }
    chosen = {
        row["ID"]
        for row in languages
        if {str(row.get(k, "")).lower() for k in ("ID", "Name", "Glottocode", "ISO639P3code")}
        & wanted
    }
    if not chosen:
        names = ", ".join(sorted(row.get("Name") or row["ID"] for row in languages)[:12])
        raise ReaderError(
            f"{ctx.rel(folder)}: no language matches {sorted(wanted)} (some of its languages: {names}).",
            f"set `options.language` of source {ctx.source_id!r} to an ID, Name or Glottocode",
        )
    if len(chosen) > 1:
        raise ReaderError(
            f"{ctx.rel(folder)}: {sorted(wanted)} match {len(chosen)} languages "
            f"({', '.join(sorted(chosen))}); their forms would all be labelled as one language.",
            f"set `options.language` of source {ctx.source_id!r} to the ID of the one to read",
        )
    parameters = _table(folder, "parameters.csv", ctx)
    header = list(parameters[0]) if parameters else []
    column = ctx.option("gloss_column") or next(
        (
            h
            for h in header
            for w in (ctx.translation_name, *ctx.translation_codes)
            if w and w.lower() in h.lower()
        ),
        "Name",
    )
    meaning = {row["ID"]: clean(row.get(column)) for row in parameters}
    forms_path = folder / "forms.csv"
    for row in _table(folder, "forms.csv", ctx):
        if row.get("Language_ID") not in chosen:
            ctx.leave_out("forms of the wordlist's other languages")
            continue
        form = clean(row.get("Form") or row.get("Value"))
        if not form:
            ctx.leave_out("rows with an empty form")
            continue
        concept = row.get("Parameter_ID", "")
        yield ctx.segment(
            forms_path,
            "wordlist",
            form,
            translation=meaning.get(concept),
            line=int(row["_line"]),
            record=row.get("ID"),
            document=f"concept:{concept}",
            context={"language_id": row.get("Language_ID", ""), "concept": concept},
        )
