"""The repetition guard of both generation scripts (they import it from their own folder).

Run inside the llama.cpp runtime env and the backend envs, where Seshat is not installed; the
eval's runaway rate (``seshat.eval.limits``) reads the ``stopped`` this guard reports.
"""

from __future__ import annotations

REPEATS = 4  # the repetition guard: a word this many times in a row stops the answer


def guard(text: str) -> tuple[str, bool]:
    """``text`` cut before a word's repeats once it occurs REPEATS times in a row."""
    words = text.split()
    run = 1
    for i in range(1, len(words)):
        run = run + 1 if words[i].casefold() == words[i - 1].casefold() else 1
        if run >= REPEATS:
            return " ".join(words[: i - run + 2]), True
    return text, False
