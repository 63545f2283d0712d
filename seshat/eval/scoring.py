"""Score tables: per task (translation tasks are the two directions), with trivial controls.

Two controls stand beside every score, because a small model that has only learned what the
language *looks like* scores as well as random text of that language:

- ``copy_source``: the task's input copied as the answer (the sentence to translate, the word);
- ``random_target``: a random answer of the same task from the training split (seeded).

A score "beats its controls" only when its chrF++ is above both; the report says so plainly.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from seshat.eval.examples import Example
from seshat.eval.limits import is_runaway
from seshat.eval.metrics import (
    corpus_scores,
    exact_match,
    morpheme_accuracy,
    paired_bootstrap,
    paired_difference,
    sentence_chrf,
)

LEXICAL_TASKS = ("dictionary", "reverse_dictionary")
HEADLINE = "chrf++"
# the paired 95 % interval of (system - control) is computed for these
DIFFERENCE_METRICS = ("chrf", "chrf++")
ALL = "all"


def random_targets(
    examples: Sequence[Example], training: Mapping[str, list[str]], seed: int
) -> list[str]:
    """For each example, a random training answer of its task (any task when its own has none)."""
    rng = random.Random(seed)
    pool_all = [answer for answers in training.values() for answer in answers]
    picked = []
    for example in examples:
        pool = training.get(example.task) or pool_all or [""]
        picked.append(rng.choice(pool))
    return picked


def _group(examples: Sequence[Example]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        groups.setdefault(example.task, []).append(index)
    if len(groups) > 1:
        groups[ALL] = list(range(len(examples)))
    return groups


def score_table(
    examples: Sequence[Example],
    outputs: Sequence[str],
    training: Mapping[str, list[str]],
    *,
    seed: int = 13,
    bootstrap: int = 1000,
    baseline: Sequence[str] | None = None,
    stops: Sequence[str | None] | None = None,
) -> dict[str, Any]:
    """Scores per task (and over all tasks), controls, and optionally a paired test vs a baseline.

    Args:
        examples: The evaluated examples.
        outputs: The system's answers, in the same order.
        training: Training answers by task (for the random-target control).
        seed: Seed of the random-target control.
        bootstrap: Bootstrap resamples for confidence intervals and the paired test (0: none).
        baseline: A baseline's answers, in the same order (paired bootstrap resampling).
        stops: How each answer ended (``end``, ``limit``, ``repetition``), for the runaway rate.

    Returns:
        ``{"headline": metric, "tasks": {task: entry}}``; an entry holds ``scores``,
        ``controls``, ``beats_controls``, ``baseline`` (when given) and ``differences``: for each
        control (and the baseline), the paired bootstrap 95 % interval of our score minus theirs.
    """
    # the generalisation probe: translations into the language whose reference holds a word form
    # that no training answer has (scored apart: forms the model cannot have memorised)
    seen = {_word(w) for answer in training.get("translate_to_target", []) for w in answer.split()}
    copies = [e.source_text for e in examples]
    randoms = random_targets(examples, training, seed)
    tasks: dict[str, Any] = {}
    for task, index in _group(examples).items():
        refs = [examples[i].reference for i in index]
        hyps = [outputs[i] for i in index]
        entry: dict[str, Any] = {
            "examples": len(index),
            "scores": corpus_scores(hyps, refs, bootstrap=bootstrap),
            "controls": {
                "copy_source": corpus_scores([copies[i] for i in index], refs),
                "random_target": corpus_scores([randoms[i] for i in index], refs),
            },
        }
        if task in LEXICAL_TASKS:
            entry["exact_match"] = exact_match(hyps, refs)
        if task == "glossing":
            entry["morpheme_accuracy"] = round(morpheme_accuracy(hyps, refs), 2)
        if task == "translate_to_target" and seen:
            unseen = [k for k, i in enumerate(index) if _has_unseen_form(refs[k], seen)]
            if unseen:
                entry["unseen_forms"] = {
                    "examples": len(unseen),
                    "scores": corpus_scores([hyps[k] for k in unseen], [refs[k] for k in unseen]),
                    "controls": {
                        "random_target": corpus_scores(
                            [randoms[index[k]] for k in unseen], [refs[k] for k in unseen]
                        )
                    },
                }
        runaways = sum(
            is_runaway(outputs[i], stops[i] if stops is not None else None) for i in index
        )
        entry["runaway"] = {"count": runaways, "rate": round(runaways / len(index), 4)}
        if baseline is not None:
            entry["baseline"] = {
                "scores": corpus_scores([baseline[i] for i in index], refs),
                "paired_bootstrap": paired_bootstrap(
                    hyps, [baseline[i] for i in index], refs, samples=max(bootstrap, 100)
                ),
            }
        best_control = max(c[HEADLINE]["score"] for c in entry["controls"].values())
        entry["beats_controls"] = entry["scores"][HEADLINE]["score"] > best_control
        if bootstrap > 0 and len(index) > 1:
            others = {"copy_source": copies, "random_target": randoms}
            if baseline is not None:
                others["baseline"] = baseline
            entry["differences"] = {
                name: {
                    metric: paired_difference(
                        hyps, [answers[i] for i in index], refs, metric, samples=bootstrap
                    )
                    for metric in DIFFERENCE_METRICS
                }
                for name, answers in others.items()
            }
        tasks[task] = entry
    return {"headline": HEADLINE, "tasks": tasks}


def _word(token: str) -> str:
    return token.strip(".,;:!?¡¿\"'()«»").casefold()


def _has_unseen_form(reference: str, seen: set[str]) -> bool:
    """Whether the reference holds a word form no training answer has."""
    return any(_word(w) not in seen for w in reference.split() if _word(w))


def sample_rows(
    examples: Sequence[Example], outputs: Sequence[str], worst: int = 10, first: int = 10
) -> dict[str, list[dict[str, Any]]]:
    """The first answers and the worst ones (lowest sentence chrF++), for a linguist to read."""
    rows = [
        {
            "key": e.key,
            "task": e.task,
            "input": e.source_text,
            "reference": e.reference,
            "output": out,
            "chrf++": round(sentence_chrf(out, e.reference), 2),
            "access": e.access,
            "source": e.source,
            "record": e.record,
        }
        for e, out in zip(examples, outputs, strict=True)
    ]
    return {
        "first": rows[:first],
        "worst": sorted(rows, key=lambda r: (r["chrf++"], r["key"]))[:worst],
    }


# what each comparison is called in every place a score is shown (CLI, summary.md, report, card)
AGAINST = {
    "baseline": "the untuned model",
    "copy_source": "copying the input",
    "random_target": "a random training answer",
}


def compare_word(low: float | None, high: float | None, delta: float) -> str:
    """``better than``, ``no different from`` or ``worse than``.

    The 95 % interval of the difference decides; without one, the point difference (the caller
    says so).
    """
    if low is None or high is None:
        return "better than" if delta > 0 else "worse than" if delta < 0 else "no different from"
    if low > 0:
        return "better than"
    if high < 0:
        return "worse than"
    return "no different from"


def comparisons(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The trained model's headline score against each comparison.

    Each row: their score, the signed difference, its 95 % interval and the word for it; the
    untuned model first, when it was evaluated.
    """
    ours = entry["scores"][HEADLINE]["score"]
    found = []
    for key, name in AGAINST.items():
        if key == "baseline":
            if "baseline" not in entry:
                continue
            theirs = entry["baseline"]["scores"][HEADLINE]["score"]
        else:
            theirs = entry["controls"][key][HEADLINE]["score"]
        interval = (entry.get("differences") or {}).get(key, {}).get(HEADLINE)
        delta = interval["delta"] if interval else ours - theirs
        low, high = (interval["low"], interval["high"]) if interval else (None, None)
        found.append(
            {
                "key": key,
                "name": name,
                "score": theirs,
                "delta": delta,
                "low": low,
                "high": high,
                "word": compare_word(low, high, delta),
            }
        )
    return found


def difference_text(row: Mapping[str, Any]) -> str:
    """``-7.1 (-10.5 to -3.9)``: the signed difference and its interval."""
    if row["low"] is None:
        return f"{row['delta']:+.1f} (no interval)"
    return f"{row['delta']:+.1f} ({row['low']:+.1f} to {row['high']:+.1f})"


def verdicts(table: Mapping[str, Any]) -> list[str]:
    """One plain sentence per task: the trained model against the untuned one and the controls.

    A score that is no better than a random training answer means the model writes the
    language's form but has not learned the task: said plainly, with the next step.
    """
    lines = []
    for task, entry in table["tasks"].items():
        ours = entry["scores"][HEADLINE]["score"]
        parts = [
            f"{row['word']} {row['name']} ({row['score']:.1f}; {difference_text(row)})"
            for row in comparisons(entry)
        ]
        line = f"{task}: chrF++ {ours:.1f} is " + ", ".join(parts) + "."
        random = next(r for r in comparisons(entry) if r["key"] == "random_target")
        if random["word"] != "better than":
            line += (
                " The model writes the language's form but has not learned this task: its "
                "answers score like random sentences of the language. Next: more steps "
                "(training.max_steps), retrieval in the prompts (tasks.retrieval: "
                "{dictionary: true, word_by_word: true}), a bigger model, or the cloud profile."
            )
        lines.append(line)
    return lines
