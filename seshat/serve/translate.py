"""``seshat translate RUN "text" --to CODE``: one-off or batch translation with a run's model.

The text is asked exactly as in training (the project's task templates); the run's GGUF answers
through llama.cpp when exported, else transformers in the backend env.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from seshat.access import Gate
from seshat.config.loader import LoadedProject
from seshat.config.models import Destination
from seshat.errors import DataError
from seshat.eval.evaluate import choose_engine
from seshat.eval.examples import Example, load_examples
from seshat.eval.generate import generate
from seshat.eval.limits import length_ratios, with_limits
from seshat.runs.rundir import find_run
from seshat.serve.prompts import chat, direction, prompt_book, retrieval_chats


def translate(
    project: LoadedProject,
    name: str,
    texts: list[str],
    to: str,
    *,
    quant: str | None = None,
    max_tokens: int = 256,
) -> list[str]:
    """Translate ``texts`` into the language ``to`` (a code or name of the project's languages).

    Each answer is bounded: by its input's length times the training split's answer/input ratio
    for the task (with a margin), and by ``max_tokens``; a word repeated four times in a row
    stops it (see :mod:`seshat.eval.limits`).

    Raises:
        DataError: Nothing to translate.
        ModelError: The run has no model to answer with.
    """
    texts = [t for t in (t.strip() for t in texts) if t]
    if not texts:
        raise DataError(
            "There is no text to translate.", "pass a sentence, or --file with one per line"
        )
    run = find_run(project.root, name)
    task = direction(project, to)
    book = prompt_book(project)
    engine = choose_engine(run, "auto", quant, max_tokens)
    # each answer bounded by its input's length and the training split's ratios (as in eval)
    train = project.root / run.read_json("data.json")["train"]["path"]
    try:
        ratios = length_ratios(load_examples(project.root, train, "train"))
    except DataError:
        ratios = {}
    # with tasks.retrieval, the prompt quotes the training split as in training: records up to
    # the level the demo's rule allows (a person reads the answer)
    limit = Gate(project.root, project.spec.access).limit(Destination.demo_ui)
    asked = retrieval_chats(project, task, texts, limit) or [chat(book, task, t) for t in texts]
    examples = with_limits(
        [
            Example(str(k), task, messages, "", text, None, None)
            for k, (text, messages) in enumerate(zip(texts, asked, strict=True))
        ],
        ratios,
        max_tokens,
    )
    with tempfile.TemporaryDirectory(prefix="seshat-translate-") as scratch:
        answers = generate(
            engine, examples, Path(scratch) / "answers.jsonl", run.logs / "translate.log"
        )
    return [answers[e.key] for e in examples]
