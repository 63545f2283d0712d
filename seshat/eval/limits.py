"""Generation that stops: a length limit per answer, a repetition guard, and the runaway rate.

The limit of an answer comes from its input and the training split (never the test references):
per task, the 95th percentile of answer-to-input length in characters, times the input's length,
with a margin, at two characters per token (a cautious rate for any script), between
:data:`MIN_TOKENS` and the cap the user set. The repetition guard lives in the generation scripts
(they run in other envs): generation stops once a word repeats :data:`GUARD_REPEATS` times in a
row, and the repeats are cut. An answer that hit its limit or the guard is a *runaway*; the eval
reports their share per task.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from seshat.eval.examples import Example

MIN_TOKENS = 16
CHARS_PER_TOKEN = 2.0
MARGIN = 1.5
GUARD_REPEATS = 4  # the scripts' REPEATS (seshat/eval/scripts/repetition.py)
RUNAWAY_REPEATS = 5  # the eval's definition: a word 5+ times in a row
GUARD = (
    f"generation stops when a word repeats {GUARD_REPEATS} times in a row (the repeats are cut); "
    "greedy decoding, no repetition penalty (it would also penalise names copied from the input)"
)
_WORDS = re.compile(r"\S+")


def length_ratios(train: Sequence[Example]) -> dict[str, float]:
    """Per task, the 95th percentile of answer length / input length (characters) in training."""
    by_task: dict[str, list[float]] = {}
    for example in train:
        if example.source_text:
            ratio = len(example.reference) / max(1, len(example.source_text))
            by_task.setdefault(example.task, []).append(ratio)
    return {
        task: sorted(values)[min(len(values) - 1, math.ceil(0.95 * len(values)) - 1)]
        for task, values in by_task.items()
    }


def answer_limit(source: str, task: str, ratios: Mapping[str, float], cap: int) -> int:
    """Most tokens an answer to ``source`` may take (``cap`` where the task has no ratio)."""
    ratio = ratios.get(task)
    if ratio is None or not source:
        return cap
    tokens = math.ceil(len(source) * ratio * MARGIN / CHARS_PER_TOKEN) + 8
    return max(MIN_TOKENS, min(cap, tokens))


def with_limits(
    examples: Sequence[Example], ratios: Mapping[str, float], cap: int
) -> list[Example]:
    """The examples, each with its own limit."""
    return [
        replace(e, max_tokens=answer_limit(e.source_text, e.task, ratios, cap)) for e in examples
    ]


def rule(ratios: Mapping[str, float], cap: int) -> dict[str, Any]:
    """What ``scores.json`` records about how answers were bounded."""
    return {
        "max_tokens_cap": cap,
        "max_tokens_rule": (
            f"per answer: input characters x the task's 95th-percentile answer/input ratio in "
            f"training x {MARGIN}, at {CHARS_PER_TOKEN:g} characters per token, between "
            f"{MIN_TOKENS} and the cap"
        ),
        "length_ratios": {task: round(value, 3) for task, value in sorted(ratios.items())},
        "repetition_guard": GUARD,
    }


def repeats_a_word(text: str, times: int = RUNAWAY_REPEATS) -> bool:
    """Whether a word occurs ``times`` or more times in a row."""
    words = _WORDS.findall(text.casefold())
    run = 1
    for before, word in itertools.pairwise(words):
        run = run + 1 if word == before else 1
        if run >= times:
            return True
    return False


def is_runaway(output: str, stopped: str | None) -> bool:
    """An answer that hit its limit or the guard, or (older answers) repeats a word 5+ times."""
    if stopped is not None:
        return stopped in ("limit", "repetition")
    return repeats_a_word(output)
