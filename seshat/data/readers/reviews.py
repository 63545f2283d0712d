"""Linguists' judgements (``seshat review``) read back as records: what they fixed trains the model.

A source of format ``reviews`` points at ``data/reviews`` (or one run's folder, or one file). Of
each reviewer's last judgement of an item:

- a translation with a correction becomes a ``sentence`` (the corrected text on its side: the
  target-language text for ``translate_to_target``, the translation for ``translate_to_source``);
- a dictionary answer with a correction, or one marked right, becomes a ``dictionary_entry``;
- an answer marked wrong, a judgement without a correction, and a grammar answer (no record kind
  holds a free explanation) are left out and counted in the ingest receipt.

Each record keeps its provenance (reviewer, the run reviewed, the date) in ``context`` and takes
the most closed of the source's level and the level of the records the item came from. Records
of this format go to the training split unless ``options.split`` says otherwise; a correction of
a held-out (test) sentence is flagged, because its source sentence then trains the next model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from seshat.access import most_closed
from seshat.corpus.judgement import Judgement, JudgementError, latest, read_judgements
from seshat.corpus.segment import Flag, Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean

# the tasks whose corrections or right answers become records, and the kind they become
RECORD_OF_TASK = {
    "translate_to_target": "sentence",
    "translate_to_source": "sentence",
    "dictionary": "dictionary_entry",
    "reverse_dictionary": "dictionary_entry",
}


def _fields(judgement: Judgement, answer: str) -> dict[str, str | None] | None:
    """The record's text fields for ``answer`` to the judgement's task (None: no record)."""
    source, task = judgement.source_text.strip(), judgement.task
    if task == "translate_to_target":
        return {"text": answer, "translation": source}
    if task == "translate_to_source":
        return {"text": source, "translation": answer}
    if task == "dictionary":
        return {"text": source, "definition": answer}
    if task == "reverse_dictionary":
        return {"text": answer, "definition": source}
    return None


def _why_not(judgement: Judgement) -> str | None:
    """Why a judgement gives no record (None: it gives one)."""
    if judgement.kind == "answer" and judgement.verdict == "wrong" and not judgement.correction:
        return "answers marked wrong (without a correction)"
    if judgement.task not in RECORD_OF_TASK:
        return f"judgements of {judgement.task} (no record kind holds its answers)"
    if judgement.kind == "translation" and not (judgement.correction or "").strip():
        return "judgements without a correction (scores and spans only)"
    if judgement.kind == "answer" and judgement.verdict is None and not judgement.correction:
        return "answers not marked right or wrong"
    return None


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """One record per corrected translation or right dictionary answer in ``path`` (a JSONL file).

    Raises:
        ReaderError: A line that is not a valid judgement (file and line named).
    """
    try:
        lines = list(read_judgements(path))
    except JudgementError as exc:
        raise ReaderError(
            f"{exc} (source {ctx.source_id!r}).",
            "the review page writes these files: restore the line from a backup, or delete it",
        ) from None
    except UnicodeDecodeError:
        raise ReaderError(
            f"{ctx.rel(path)} is not UTF-8 text: it is not a file the review page wrote.",
            f"point source {ctx.source_id!r} at data/reviews (the review page's folder)",
        ) from None
    last = latest(j for _, j in lines)
    line_of = {(j.reviewer, j.item): number for number, j in lines}
    for key, judgement in last.items():
        why = _why_not(judgement)
        if why is not None:
            ctx.leave_out(why)
            continue
        answer = clean(judgement.correction) or clean(judgement.output)
        fields = _fields(judgement, answer or "")
        if not answer or fields is None or not clean(judgement.source_text):
            ctx.leave_out("judgements with an empty answer or input")
            continue
        text = clean(fields.pop("text")) or ""
        segment = ctx.segment(
            path,
            RECORD_OF_TASK[judgement.task],
            text,
            **{k: clean(v) for k, v in fields.items()},
            line=line_of[key],
            record=f"{judgement.run}:{judgement.item}:{judgement.reviewer}",
            document=f"review:{judgement.records[0] if judgement.records else judgement.item}",
            context={
                "reviewer": judgement.reviewer,
                "reviewed_run": judgement.run,
                "reviewed_at": judgement.at,
                "review_item": judgement.item,
                "review_task": judgement.task,
                **({"review_score": str(judgement.score)} if judgement.score is not None else {}),
            },
        )
        segment.access = most_closed((segment.access, judgement.access))
        if judgement.item.startswith(("test:", "dev:")):
            segment.flags.append(
                Flag(
                    "reviewed_held_out",
                    f"a correction of a {judgement.item.split(':')[0]} item: its input now trains "
                    "the model, so that item no longer measures unseen text",
                )
            )
        yield segment


def reviews_in(split_file: Path) -> list[dict[str, object]]:
    """Which reviews a split holds: per reviewed run, its reviewers and how many records.

    A run trained on this split records it (``status.json`` ``reviews``), so its lineage names
    the judgements it learned from.
    """
    import json

    reviewers: dict[str, set[str]] = {}
    records: Counter[str] = Counter()
    if not split_file.is_file():
        return []
    with open(split_file, encoding="utf-8") as handle:
        for line in handle:
            if '"reviewed_run"' not in line:
                continue  # most records are not reviews: no need to parse them
            context = json.loads(line).get("context") or {}
            run = context.get("reviewed_run")
            if run:
                reviewers.setdefault(run, set()).add(str(context.get("reviewer", "")))
                records[run] += 1
    return [
        {"run": run, "reviewers": sorted(reviewers[run]), "records": records[run]}
        for run in sorted(records)
    ]
