"""Inflection tables: one ``inflection`` record per form, with its lemma and feature bundle.

Two layouts:

- **unimorph**: one form per row, ``lemma<TAB>form<TAB>features`` (UniMorph's own files, no
  header; features such as ``V;IND;PRS;3;SG``). With a header, ``options.columns`` names the
  lemma, form and features columns (defaults: ``lemma``, ``form``, ``features``).
- **wide**: one lemma per row; the header names the lemma column (``options.lemma_column``,
  default ``lemma`` or the first column) and every other column is a feature bundle whose cells
  are forms (``options.alternatives`` splits a cell holding several).

The record's text is the form, its ``gloss`` the feature bundle, ``context.lemma`` the lemma;
its ``document`` is the lemma, so ``splits.group_by: document`` holds whole lemmas out of
training (forms never seen in training, for ``seshat eval``). Two analyses of one form (a
syncretism) are two records. Empty cells and rows without lemma or form are counted in the
receipt.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean, read_text

# what tables write in a cell with no form: hyphen, em dash, en dash
_NO_FORM = ("-", "\u2014", "\u2013")


def _rows(path: Path, ctx: ReaderContext) -> list[tuple[int, list[str]]]:
    delimiter = ctx.option("delimiter") or ("," if path.suffix.lower() == ".csv" else "\t")
    reader = csv.reader(io.StringIO(read_text(path, ctx), newline=""), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]


def _layout(rows: list[tuple[int, list[str]]], ctx: ReaderContext) -> str:
    chosen = ctx.option("layout", "auto")
    if chosen != "auto":
        return str(chosen)
    first = [cell.strip().lower() for cell in rows[0][1]] if rows else []
    if {"form", "features"} <= set(first):
        return "unimorph"
    if "lemma" in first or ctx.option("lemma_column"):
        return "wide"
    return "unimorph"


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """The forms of an inflection table.

    Raises:
        ReaderError: A named column that is not in the header, or a UniMorph row with fewer
            than three cells (line named).
    """
    rows = _rows(path, ctx)
    if not rows:
        return
    if _layout(rows, ctx) == "wide":
        yield from _wide(path, ctx, rows)
    else:
        yield from _unimorph(path, ctx, rows)


def _record(path: Path, ctx: ReaderContext, lemma: str, form: str, features: str, line: int):
    return ctx.segment(
        path,
        "inflection",
        form,
        gloss=features,
        line=line,
        record=f"{lemma}|{features}|{form}",
        document=f"lemma:{lemma}",
        context={"lemma": lemma},
    )


def _unimorph(
    path: Path, ctx: ReaderContext, rows: list[tuple[int, list[str]]]
) -> Iterator[Segment]:
    names = {"lemma": "lemma", "form": "form", "features": "features"}
    names |= {k: str(v) for k, v in (ctx.option("columns") or {}).items()}
    header = [cell.strip() for cell in rows[0][1]]
    if ctx.option("header") or {"form", "features"} <= {h.lower() for h in header}:
        lowered = {h.lower(): i for i, h in enumerate(header)}
        missing = [n for n in names.values() if n.lower() not in lowered]
        if missing:
            raise ReaderError(
                f"{ctx.rel(path)}: columns {', '.join(missing)} are not in the header "
                f"({', '.join(header)}).",
                f"set `options.columns` of source {ctx.source_id!r}, e.g. "
                "{lemma: Lemma, form: Form, features: Tags}",
            )
        index = {k: lowered[v.lower()] for k, v in names.items()}
        rows = rows[1:]
    else:
        index = {"lemma": 0, "form": 1, "features": 2}
    for line, row in rows:
        if len(row) <= max(index.values()):
            raise ReaderError(
                f"{ctx.rel(path)}:{line} has {len(row)} cell(s); a UniMorph row is lemma, form "
                "and features.",
                "fix the row, or set `options.layout: wide` for a table with one lemma per row",
            )
        lemma, form, features = (clean(row[index[k]]) for k in ("lemma", "form", "features"))
        if not (lemma and form and features):
            ctx.leave_out("rows without a lemma, a form or features")
            continue
        yield _record(path, ctx, lemma, form, features, line)


def _wide(path: Path, ctx: ReaderContext, rows: list[tuple[int, list[str]]]) -> Iterator[Segment]:
    header = [cell.strip() for cell in rows[0][1]]
    wanted = ctx.option("lemma_column")
    lowered = [h.lower() for h in header]
    if wanted is not None and wanted not in header:
        raise ReaderError(
            f"{ctx.rel(path)}: the lemma column {wanted!r} is not in the header "
            f"({', '.join(header)}).",
            f"set `options.lemma_column` of source {ctx.source_id!r} to one of them",
        )
    at = header.index(wanted) if wanted else lowered.index("lemma") if "lemma" in lowered else 0
    separator = ctx.option("alternatives")
    for line, row in rows[1:]:
        lemma = clean(row[at]) if at < len(row) else None
        if not lemma:
            ctx.leave_out("rows without a lemma")
            continue
        for column, features in enumerate(header):
            if column == at or not features:
                continue
            cell = row[column] if column < len(row) else ""
            forms = cell.split(separator) if separator else [cell]
            forms = [f for f in (clean(x) for x in forms) if f and f not in _NO_FORM]
            if not forms:
                ctx.leave_out("empty cells (no form for that feature bundle)")
            for form in forms:
                yield _record(path, ctx, lemma, form, features, line)
