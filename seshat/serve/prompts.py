"""The prompts a served model is asked with: the project's own task templates.

A user's question reaches the model worded exactly as in training.

Each task's user message is rendered once with a placeholder where the user's text goes; callers
(translate, the demo) put the text in. Nothing else is needed at run time (no Jinja, no Seshat),
so the demo can run inside the llama.cpp runtime env.
"""

from __future__ import annotations

from typing import Any

from seshat.config.loader import LoadedProject
from seshat.corpus.segment import Provenance, Segment

PLACEHOLDER = "\u2063INPUT\u2063"
# task -> (segment kind, field the user's text fills, label)
ASKABLE = {
    "translate_to_target": ("sentence", "translation", "Translate into {target}"),
    "translate_to_source": ("sentence", "text", "Translate into {source}"),
    "dictionary": ("dictionary_entry", "text", "What does this {target} word mean?"),
    "reverse_dictionary": ("dictionary_entry", "translation", "How do you say it in {target}?"),
    "grammar": ("igt", "text", "Explain the grammar of a {target} sentence"),
}


def prompt_book(project: LoadedProject) -> dict[str, Any]:
    """The system prompt and each askable task's user message with :data:`PLACEHOLDER`."""
    from seshat.data.format import Prompts

    prompts = Prompts(project)
    names = prompts.names
    tasks = {}
    for task, (kind, slot, label) in ASKABLE.items():
        segment = Segment(
            kind=kind,
            text="-",
            translation="-",
            provenance=Provenance(source="prompt", file="-"),
        )
        values = prompts.values(segment) | {slot: PLACEHOLDER}
        user = str(prompts.modules[task].user(values)).strip()  # type: ignore[attr-defined]
        tasks[task] = {"template": user, "label": label.format(**names)}
    return {"system": prompts.system, "tasks": tasks, "names": names}


def chat(book: dict[str, Any], task: str, text: str) -> list[dict[str, str]]:
    """The chat that asks ``task`` about ``text``."""
    user = book["tasks"][task]["template"].replace(PLACEHOLDER, text.strip())
    return [{"role": "system", "content": book["system"]}, {"role": "user", "content": user}]


def retrieval_chats(
    project: LoadedProject, task: str, texts: list[str], limit: str
) -> list[list[dict[str, str]]] | None:
    """Chats that quote the training split's dictionary entries, similar pairs and draft.

    As in training (``tasks.retrieval``), quoting only records up to level ``limit``; None when
    the project has no retrieval or no index yet (then :func:`chat` asks plainly).
    """
    from seshat.data.format import QUERY_SIDE, Prompts
    from seshat.data.retrieval import INDEX_FILE, Index

    retrieval = project.spec.tasks.retrieval
    if not retrieval.enabled or task not in QUERY_SIDE:
        return None
    index = Index.load((project.root / project.spec.data.train).parent / INDEX_FILE)
    if index is None:
        return None
    prompts = Prompts(project)
    field, side = QUERY_SIDE[task]
    chats = []
    for text in texts:
        segment = Segment(
            kind="sentence",
            text="-",
            translation="-",
            provenance=Provenance(source="prompt", file="-"),
        )
        values = prompts.values(segment) | {field: text.strip()}
        quoted = index.quote(text, side, retrieval, limit=limit)
        messages = prompts.messages(task, segment, values, quoted)
        chats.append(messages[:-1])  # the question, without an answer
    return chats


def direction(project: LoadedProject, to: str) -> str:
    """``translate_to_target`` or ``translate_to_source`` for ``--to CODE`` (code or name)."""
    spec = project.spec
    target = {spec.language.code, spec.language.name.lower(), *spec.language.codes.values()}
    source = {spec.source_language.code, spec.source_language.name.lower()}
    wanted = to.strip().lower()
    if wanted in {t.lower() for t in target}:
        return "translate_to_target"
    if wanted in {s.lower() for s in source}:
        return "translate_to_source"
    from seshat.errors import ConfigError

    raise ConfigError(
        f"--to {to!r} is neither the target language ({spec.language.code}) nor the source "
        f"language ({spec.source_language.code}) of this project.",
        f"use --to {spec.language.code} or --to {spec.source_language.code}",
    )
