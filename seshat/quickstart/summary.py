"""The quickstart's verdict: did the model learn to translate, and where everything is.

"Learned" is strict: for a translation task, the trained model's chrF++ is *better than* the
untuned model, copying the source, and a random target-language sentence, each by a paired
bootstrap 95 % interval that lies entirely above zero (the eval's own wording and rows).
"""

from __future__ import annotations

from typing import Any

from seshat.eval.scoring import AGAINST, HEADLINE, comparisons, difference_text

TRANSLATION_TASKS = ("translate_to_target", "translate_to_source")


def translation_verdicts(scores: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per translation task: chrF++ beside each comparison, and whether it is better than all.

    The rows are the eval's own (:func:`seshat.eval.scoring.comparisons`).
    """
    found = {}
    for task in TRANSLATION_TASKS:
        entry = scores["tasks"].get(task)
        if entry is None or "differences" not in entry:
            continue
        rows = comparisons(entry)
        found[task] = {
            "examples": entry["examples"],
            "chrf++": entry["scores"][HEADLINE]["score"],
            "signature": entry["scores"][HEADLINE]["signature"],
            "against": rows,
            "learned": len(rows) == len(AGAINST)
            and all(row["word"] == "better than" for row in rows),
        }
    return found


def verdict_line(task: str, verdict: dict[str, Any], target: str, source: str) -> str:
    """One sentence a person can read: what the model does now, compared with what."""
    direction = (
        f"{source} -> {target}" if task == "translate_to_target" else f"{target} -> {source}"
    )
    compared = "; ".join(
        f"{row['word']} {row['name']} ({row['score']:.1f}, {difference_text(row)})"
        for row in verdict["against"]
    )
    line = f"{direction}: chrF++ {verdict['chrf++']:.1f} is {compared}."
    if verdict["learned"]:
        return line
    return line + " Not learned yet: train longer (--steps) or on more data."


def next_steps(folder: str, run_id: str, code: str, example: str) -> list[str]:
    """What to do after the quickstart, as commands (``example``: a sentence to translate)."""
    quoted = "'" + example.replace("'", "'\\''") + "'"
    return [
        f"Try it: seshat translate -C {folder} {run_id} {quoted} --to {code}",
        f"Chat in a browser: seshat demo -C {folder} {run_id}",
        f"Serve it (OpenAI-compatible API): seshat serve -C {folder} {run_id}",
        "Your own language: seshat init my-language --language NAME --code CODE, add your "
        "sources to seshat.yaml, then seshat model pull Qwen/Qwen3-14B and seshat train "
        "profile=strix-halo (docs/getting-started.md)",
    ]
