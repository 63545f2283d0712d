"""What evaluation asks and expects: the chats of a formatted split, cut before the answer.

An example's prompt is its chat without the final assistant turn; the reference is that turn.
The formatted split's ``.meta.jsonl`` sidecar gives each example's task and record; the record
(from ``data/splits/``) gives the *input* of the example, which the copy-the-source control uses.
Repeated copies of one example (task weights above 1) are evaluated once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seshat.corpus.jsonl import meta_path, read_json_lines, read_segments
from seshat.data.split import SPLITS_DIR
from seshat.errors import DataError

# the segment field each task's prompt is built from (what "copying the source" copies)
TASK_INPUT = {
    "translate_to_target": "translation",
    "translate_to_source": "text",
    "dictionary": "text",
    "reverse_dictionary": "translation",
    "glossing": "text",
    "grammar": "text",
    "example_sentence": "translation",
    "inflect": "context.lemma",  # copying the lemma is the trivial answer to beat
    "analyse_form": "text",
}
UNKNOWN_TASK = "chat"


@dataclass(frozen=True)
class Example:
    """One evaluation item.

    Attributes:
        key: Stable id within the split (line number of the first copy).
        task: The task that produced it (``chat`` when the split has no meta sidecar).
        prompt: The chat up to, not including, the expected answer.
        reference: The expected answer.
        source_text: The input of the task (the sentence to translate, the word to define).
        record: The record id, if known.
        access: The access level of the record, if known.
        source: The id of the data source it comes from, if known.
        max_tokens: The most tokens its answer may take (None: the engine's cap).
    """

    key: str
    task: str
    prompt: list[dict[str, str]]
    reference: str
    source_text: str
    record: str | None
    access: str | None
    source: str | None = None
    max_tokens: int | None = None


def _records(root: Path, split: str) -> dict[str, dict[str, Any]]:
    path = root / SPLITS_DIR / f"{split}.jsonl"
    if not path.is_file():
        return {}
    return {s.id: s.as_dict() for s in read_segments(path)}


def _field(record: dict[str, Any], name: str) -> Any:
    """A record's field; ``context.lemma`` reads inside ``context``."""
    value: Any = record
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def load_examples(
    root: Path, chat_path: Path, split: str, limit: int | None = None
) -> list[Example]:
    """The examples of one formatted split.

    Args:
        root: The project folder.
        chat_path: The formatted split (chat JSONL).
        split: Its name (``test``, ``dev``): which ``data/splits/`` file has the records.
        limit: Keep at most this many (the first ones of each task, in turn).

    Raises:
        DataError: The file is missing, empty, or a line is not a chat that ends with an answer.
    """
    if not chat_path.is_file():
        raise DataError(
            f"The {split} split {chat_path} does not exist.",
            "run `seshat data run` (it writes data/formatted/), and keep `splits.test` above 0",
        )
    chats = read_json_lines(chat_path)
    sidecar = meta_path(chat_path)
    meta = read_json_lines(sidecar) if sidecar.is_file() else [{} for _ in chats]
    if len(meta) != len(chats):
        raise DataError(
            f"{sidecar} has {len(meta)} lines for {len(chats)} examples in {chat_path}.",
            "run `seshat data format` to write both again",
        )
    records = _records(root, split)
    examples = []
    for number, (chat, about) in enumerate(zip(chats, meta, strict=True), 1):
        if about.get("copy", 0):
            continue
        messages = chat.get("messages") if isinstance(chat, dict) else None
        if not messages or messages[-1].get("role") != "assistant":
            raise DataError(
                f"{chat_path}, line {number}: not a chat ending with the assistant's answer.",
                "run `seshat data format` to write the formatted splits again",
            )
        task = about.get("task", UNKNOWN_TASK)
        record = records.get(about.get("record", ""))
        user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        field = TASK_INPUT.get(task)
        source = str(_field(record, field) or "") if record and field else ""
        examples.append(
            Example(
                key=str(number),
                task=task,
                prompt=messages[:-1],
                reference=messages[-1]["content"],
                source_text=source or _last_line(user),
                record=about.get("record"),
                access=about.get("access"),
                source=about.get("source"),
            )
        )
    if not examples:
        raise DataError(
            f"The {split} split {chat_path} is empty: there is nothing to evaluate.",
            "add data or raise `splits.test` in seshat.yaml, then `seshat data run` and train again",
        )
    return _limited(examples, limit) if limit else examples


def _limited(examples: list[Example], limit: int) -> list[Example]:
    """At most ``limit`` examples, taking tasks in turn so every task stays represented."""
    by_task: dict[str, list[Example]] = {}
    for example in examples:
        by_task.setdefault(example.task, []).append(example)
    chosen: list[Example] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(v) for v in by_task.values()):
        for items in by_task.values():
            if depth < len(items) and len(chosen) < limit:
                chosen.append(items[depth])
        depth += 1
    order = {e.key: n for n, e in enumerate(examples)}
    return sorted(chosen, key=lambda e: order[e.key])


def references_by_task(chat_path: Path) -> dict[str, list[str]]:
    """Every answer of a formatted split, by task (the random-target control draws from these)."""
    if not chat_path.is_file():
        return {}
    chats = read_json_lines(chat_path)
    sidecar = meta_path(chat_path)
    meta = read_json_lines(sidecar) if sidecar.is_file() else [{} for _ in chats]
    found: dict[str, list[str]] = {}
    for chat, about in zip(chats, meta, strict=False):
        if about.get("copy", 0):
            continue
        found.setdefault(about.get("task", UNKNOWN_TASK), []).append(
            chat["messages"][-1]["content"]
        )
    return found
