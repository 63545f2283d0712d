"""What a linguist reviews: the run's evaluated answers, and new sentences the run translates.

The evaluated items are the latest ``seshat eval`` of the run: each held-out example with the
model's answer (``predictions.jsonl``) and the reference. New sentences (``--sentences FILE``)
are translated once with the run's model and kept in ``runs/<id>/review/new.jsonl``, so the page
shows the same items when a reviewer comes back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seshat.config.loader import LoadedProject
from seshat.errors import DataError
from seshat.eval.examples import load_examples
from seshat.eval.generate import read_predictions
from seshat.runs.rundir import RunDir
from seshat.yamlio import atomic_write_text

NEW_ITEMS = Path("review") / "new.jsonl"


@dataclass(frozen=True)
class Item:
    """One thing to judge: what the model was asked, what it answered, what the data says.

    Attributes:
        id: Stable id on the page (``test:<key>``, ``new:<hash>``).
        task: The task (``translate_to_target``...).
        label: The task as people say it ("Translate into Kaniwa").
        source_text: What the model was given.
        output: What it answered.
        reference: The data's answer, when there is one.
        prompt: The chat the model was given.
        access: The access level of the record (of the run's model, for a new sentence).
        records: The ids of the records it comes from.
        model: What answered (the engine tag or the GGUF).
    """

    id: str
    task: str
    label: str
    source_text: str
    output: str
    reference: str | None
    prompt: list[dict[str, str]] = field(default_factory=list)
    access: str = "sacred"
    records: list[str] = field(default_factory=list)
    model: str = ""

    def public(self) -> dict[str, Any]:
        """What the page needs (no prompt: it is stored with the judgement, not shown)."""
        shown = asdict(self)
        shown.pop("prompt")
        return shown


def evaluated_items(run: RunDir, labels: dict[str, str]) -> list[Item]:
    """The answers of the run's latest evaluation, in the order of the split.

    Raises:
        DataError: The run was never evaluated, or its split file is gone.
    """
    latest = (run.status().get("eval") or {}).get("latest")
    folder = run.path / latest if latest else None
    scores_path = folder / "scores.json" if folder else None
    if folder is None or scores_path is None or not scores_path.is_file():
        raise DataError(
            f"Run {run.run_id} has not been evaluated: there are no answers to review yet.",
            f"run `seshat eval {run.run_id}` first, or review new sentences with --sentences FILE",
        )
    scores = json.loads(scores_path.read_text(encoding="utf-8"))
    split = str(scores.get("split", "test"))
    chat_path = run.root / scores["split_file"]["path"]
    answers = read_predictions(folder / "predictions.jsonl")
    items = []
    for example in load_examples(run.root, chat_path, split):
        if example.key not in answers:
            continue  # an evaluation with limit= answered only some
        items.append(
            Item(
                id=f"{split}:{example.key}",
                task=example.task,
                label=labels.get(example.task, example.task.replace("_", " ")),
                source_text=example.source_text,
                output=answers[example.key],
                reference=example.reference,
                prompt=example.prompt,
                access=example.access or "sacred",
                records=[example.record] if example.record else [],
                model=str(scores.get("engine", "")),
            )
        )
    return items


def new_items(run: RunDir) -> list[Item]:
    """The new sentences translated for review earlier (none when there are none)."""
    path = run.path / NEW_ITEMS
    if not path.is_file():
        return []
    return [
        Item(**json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def add_new_sentences(
    project: LoadedProject, run: RunDir, texts: list[str], to: str, level: str
) -> list[Item]:
    """Translate ``texts`` into ``to`` with the run's model and keep them for review.

    Sentences already kept are not translated again. ``level`` is the model's access level (an
    answer of the model carries its training data's level).

    Raises:
        DataError: No sentence in ``texts``.
        ModelError: The run has no model to answer with.
    """
    from seshat.serve.prompts import chat, direction, prompt_book
    from seshat.serve.translate import translate

    texts = [t for t in dict.fromkeys(t.strip() for t in texts) if t]
    if not texts:
        raise DataError("The sentences file has no sentence.", "write one sentence per line")
    task = direction(project, to)
    book = prompt_book(project)
    kept = new_items(run)
    known = {i.id for i in kept}

    def item_id(text: str) -> str:
        return "new:" + hashlib.sha256(f"{task}\x1f{text}".encode()).hexdigest()[:16]

    pending = [t for t in texts if item_id(t) not in known]
    if pending:
        outputs = translate(project, run.run_id, pending, to)
        for text, output in zip(pending, outputs, strict=True):
            kept.append(
                Item(
                    id=item_id(text),
                    task=task,
                    label=book["tasks"][task]["label"],
                    source_text=text,
                    output=output,
                    reference=None,
                    prompt=chat(book, task, text),
                    access=level,
                    model="seshat translate",
                )
            )
        lines = "".join(json.dumps(asdict(i), ensure_ascii=False) + "\n" for i in kept)
        atomic_write_text(run.path / NEW_ITEMS, lines)
    wanted = {item_id(t) for t in texts}
    return [i for i in kept if i.id in wanted]
