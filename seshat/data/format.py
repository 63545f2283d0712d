"""``seshat data format``: chat JSONL for the trainers, mixing tasks by configurable weights.

Each split's segments become ``{"messages": [system, user, assistant]}`` examples, one task per
example, from the prompt templates in ``templates/tasks/<task>.j2`` (a project's own
``templates/tasks/`` wins); the system prompt names the language. A task's weight ``w`` gives each
eligible segment ``floor(w)`` examples plus one more with probability ``w - floor(w)`` (decided by
a hash, so the output is byte-identical for the same input). A sidecar ``<split>.meta.jsonl``
keeps, line for line, each example's record id, task, source and access level.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from seshat.config.loader import LoadedProject
from seshat.corpus.jsonl import read_segments
from seshat.corpus.segment import Segment
from seshat.data.clean import usable
from seshat.data.retrieval import INDEX_FILE, Index
from seshat.data.split import SPLITS_DIR
from seshat.errors import TemplateError
from seshat.templating import environment
from seshat.yamlio import atomic_write_text, atomic_writer

_LEXICAL = ("dictionary_entry", "wordlist")
_SENTENCES = ("sentence", "example", "igt", "transcript")
_PUNCT = ".,;:!?¡¿\"'()«»“”"


def analysed_word(segment: Segment) -> dict[str, str] | None:
    """A word of an interlinear segment with more than one morpheme, for the morphology task.

    The word is chosen by the segment's id (deterministic); its surface form is the text's token
    when text and breakdown have as many words, else the word of the text the morphemes spell
    (none: no word).
    """
    if segment.kind != "igt" or not (segment.morphemes and segment.gloss):
        return None
    morphs, glosses = segment.morphemes.split(), segment.gloss.split()
    if len(morphs) != len(glosses):
        return None
    candidates = [k for k, m in enumerate(morphs) if "-" in m.strip("-")]
    if not candidates:
        return None
    k = candidates[int(segment.id[:8], 16) % len(candidates)]
    words = [w.strip(_PUNCT) for w in segment.text.split()]
    if len(words) == len(morphs):
        surface = words[k]
    else:
        # text and breakdown disagree on the words: use the morphemes only if they spell a word
        # of the text, so the prompt never names a word that is not there
        joined = morphs[k].replace("-", "").replace("=", "").casefold()
        surface = next((w for w in words if w.casefold() == joined), "")
    if not surface:
        return None
    return {"form": surface, "morphemes": morphs[k], "gloss": glosses[k]}


# task -> whether a segment can feed it
ELIGIBLE: dict[str, Callable[[Segment], bool]] = {
    "translate_to_target": lambda s: bool(s.translation) and s.kind in _SENTENCES,
    "translate_to_source": lambda s: bool(s.translation) and s.kind in _SENTENCES,
    "dictionary": lambda s: s.kind in _LEXICAL and bool(s.translation or s.definition),
    "reverse_dictionary": lambda s: s.kind in _LEXICAL and bool(s.translation),
    "example_sentence": lambda s: s.kind == "example" and bool(s.context.get("headword")),
    "glossing": lambda s: s.kind == "igt" and bool(s.morphemes and s.gloss),
    "grammar": lambda s: s.kind == "igt" and bool(s.morphemes and s.gloss),
    "morphology": lambda s: analysed_word(s) is not None,
    "inflect": lambda s: s.kind == "inflection" and bool(s.gloss and s.context.get("lemma")),
    "analyse_form": lambda s: s.kind == "inflection" and bool(s.gloss and s.context.get("lemma")),
}


def repeats(weight: float, key: str) -> int:
    """How many examples a segment gives a task of ``weight`` (deterministic in ``key``)."""
    whole = int(weight)
    fraction = weight - whole
    draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
    return whole + (1 if draw < fraction else 0)


class Prompts:
    """The task templates of a project, rendered with the language names."""

    def __init__(self, project: LoadedProject) -> None:
        self.env = environment(project.root)
        self.names = {
            "target": project.spec.language.name,
            "source": project.spec.source_language.name,
        }
        try:
            self.system = self.env.get_template("tasks/system.j2").render(self.names).strip()
            # one module per task, made once: its macros user(s) and assistant(s) see the names
            self.modules = {
                task: self.env.get_template(f"tasks/{task}.j2").make_module(self.names)
                for task in ELIGIBLE
            }
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                f"The task prompt template {exc.name} is missing.",
                "restore it, or copy the shipped templates/tasks/ into your project to edit them",
            ) from None
        except jinja2.TemplateError as exc:  # syntax, or what the sandbox refuses
            raise TemplateError(
                f"A task prompt template (templates/tasks/) cannot be used: {exc}.",
                "templates are data: only the names Seshat passes in, no attributes of Python "
                "objects; fix the template, or delete your project's copy to use the shipped one",
            ) from None

    @staticmethod
    def values(segment: Segment) -> dict[str, Any]:
        """What a task template sees as ``s``.

        Every field, morpheme/gloss ``pairs``, and ``retrieved`` (empty unless
        ``tasks.retrieval`` quotes the training split).
        """
        values = segment.as_dict()
        values["word"] = analysed_word(segment)
        # tasks.retrieval fills it
        values["retrieved"] = {"dictionary": [], "examples": [], "draft": ""}
        if segment.morphemes and segment.gloss:
            values["pairs"] = list(
                zip(segment.morphemes.split(), segment.gloss.split(), strict=False)
            )
        return values

    def messages(
        self,
        task: str,
        segment: Segment,
        values: dict[str, Any] | None = None,
        retrieved: dict[str, Any] | None = None,
    ) -> list[dict[str, str]]:
        """The chat of one example (``values`` from :meth:`values`, computed if not given).

        ``retrieved``: what the prompt quotes (:mod:`seshat.data.retrieval`), as ``s.retrieved``.
        """
        values = values if values is not None else self.values(segment)
        if retrieved:
            values = {**values, "retrieved": {**values["retrieved"], **retrieved}}
        module = self.modules[task]
        try:
            user = str(module.user(values)).strip()  # type: ignore[attr-defined]
            assistant = str(module.assistant(values)).strip()  # type: ignore[attr-defined]
        except (jinja2.TemplateError, AttributeError, TypeError) as exc:
            raise TemplateError(
                f"Task template tasks/{task}.j2 failed on record {segment.id}: {exc}.",
                "each task template defines the macros user(s) and assistant(s); fix it",
            ) from None
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]


# which side of a pair a translation task's input is written in
QUERY_SIDE = {
    "translate_to_target": ("translation", "source"),
    "translate_to_source": ("text", "target"),
}


def _build_index(project: LoadedProject) -> Index:
    """The retrieval index of the training split, saved beside the formatted data."""
    rows = [
        s.as_dict() for s in read_segments(project.root / SPLITS_DIR / "train.jsonl") if usable(s)
    ]
    index = Index.from_records(rows)
    index.save((project.root / project.spec.data.train).parent / INDEX_FILE)
    return index


def _retrieve(
    index: Index, retrieval: Any, task: str, segment: Segment, split: str
) -> dict[str, Any] | None:
    """What a translation example's prompt quotes; a training example never quotes itself."""
    if task not in QUERY_SIDE:
        return None
    field, side = QUERY_SIDE[task]
    query = getattr(segment, field) or ""
    return index.quote(query, side, retrieval, exclude=segment.id if split == "train" else None)


def format_splits(project: LoadedProject) -> dict[str, Any]:
    """Write the chat JSONL of every split (paths from ``data:``); return counts per split and task."""
    root, spec = project.root, project.spec
    prompts = Prompts(project)
    weights = {task: getattr(spec.tasks, task) for task in ELIGIBLE}
    active = {task: weight for task, weight in weights.items() if weight > 0}
    chat_json = json.JSONEncoder(ensure_ascii=False)
    meta_json = json.JSONEncoder(sort_keys=True)
    targets = {"train": spec.data.train, "dev": spec.data.dev, "test": spec.data.test}
    summary: dict[str, Any] = {"tasks": {k: v for k, v in weights.items()}, "splits": {}}
    retrieval = spec.tasks.retrieval
    index = _build_index(project) if retrieval.enabled else None
    if index is not None:
        summary["retrieval"] = {
            "examples": retrieval.examples,
            "dictionary": retrieval.dictionary,
            "word_by_word": retrieval.word_by_word,
            "index": {
                "pairs": len(index.examples),
                "dictionary_entries": len(index.lexicon),
                "learned_words": {side: len(t) for side, t in index.word_for_word.items()},
            },
        }
    for name, target in targets.items():
        source = root / SPLITS_DIR / f"{name}.jsonl"
        if target is None or not source.is_file():
            continue
        counts: Counter[str] = Counter()
        out_path = root / target
        meta_path = out_path.with_suffix(".meta.jsonl")
        with atomic_writer(out_path) as out, atomic_writer(meta_path) as meta:
            for segment in read_segments(source):
                if not usable(segment):
                    counts["(flagged, left out)"] += 1
                    continue
                values = None
                for task, weight in active.items():
                    if not ELIGIBLE[task](segment):
                        continue
                    copies = repeats(weight, f"{segment.id}\x1f{task}")
                    if not copies:
                        continue
                    values = values if values is not None else prompts.values(segment)
                    quoted = (
                        _retrieve(index, retrieval, task, segment, name)
                        if index is not None
                        else None
                    )
                    messages = prompts.messages(task, segment, values, quoted)
                    if (
                        quoted
                        and quoted.get("draft")
                        and quoted["draft"] not in messages[1]["content"]
                    ):
                        raise TemplateError(
                            f"tasks.retrieval.word_by_word is on, but the template "
                            f"tasks/{task}.j2 does not show the draft (s.retrieved.draft).",
                            "copy the shipped template's `Word for word:` line into your "
                            "project's copy, or delete the copy to use the shipped one",
                        )
                    line = chat_json.encode({"messages": messages})
                    about = {
                        "access": segment.access,
                        "record": segment.id,
                        "source": segment.provenance.source,
                        "task": task,
                    }
                    for copy in range(copies):
                        out.write(line + "\n")
                        meta.write(meta_json.encode({**about, "copy": copy}) + "\n")
                    counts[task] += copies
        left_out = counts.pop("(flagged, left out)", 0)
        summary["splits"][name] = {
            "examples": sum(counts.values()),
            "tasks": dict(sorted(counts.items())),
            "flagged_records_left_out": left_out,
        }
    manifest = Path(root / spec.data.train).parent / "manifest.json"
    atomic_write_text(manifest, json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary
