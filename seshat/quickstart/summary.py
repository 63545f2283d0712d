"""The quickstart's verdict: did the model learn to translate, and where everything is.

"Learned" is strict: for a translation task, the trained model's chrF beats the untuned model,
copying the source, and a random target-language sentence, each by a paired bootstrap 95 %
interval that lies entirely above zero.
"""

from __future__ import annotations

from typing import Any

TRANSLATION_TASKS = ("translate_to_target", "translate_to_source")
OTHERS = {
    "baseline": "untuned model",
    "copy_source": "copy source",
    "random_target": "random target",
}
METRIC = "chrf"


def translation_verdicts(scores: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per translation task: the scores beside each comparison, and whether every gain is sure."""
    found = {}
    for task in TRANSLATION_TASKS:
        entry = scores["tasks"].get(task)
        if entry is None or "differences" not in entry:
            continue
        rows = {
            name: entry["differences"][name][METRIC]
            for name in OTHERS
            if name in entry["differences"]
        }
        found[task] = {
            "examples": entry["examples"],
            "chrf": entry["scores"]["chrf"]["score"],
            "chrf++": entry["scores"]["chrf++"]["score"],
            "signature": entry["scores"]["chrf"]["signature"],
            "against": rows,
            "learned": len(rows) == len(OTHERS) and all(r["low"] > 0 for r in rows.values()),
        }
    return found


def verdict_line(task: str, verdict: dict[str, Any], target: str, source: str) -> str:
    """One sentence a person can read: what the model does now, compared with what."""
    direction = (
        f"{source} -> {target}" if task == "translate_to_target" else f"{target} -> {source}"
    )
    gains = ", ".join(
        f"{OTHERS[name]} {row['other']:.1f} (+{row['delta']:.1f}, 95% CI {row['low']:+.1f} to "
        f"{row['high']:+.1f})"
        for name, row in verdict["against"].items()
    )
    if verdict["learned"]:
        return f"{direction}: chrF {verdict['chrf']:.1f} beats {gains}."
    return (
        f"{direction}: chrF {verdict['chrf']:.1f} does not surely beat every comparison ({gains}): "
        "train longer (--steps) or on more data."
    )


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
