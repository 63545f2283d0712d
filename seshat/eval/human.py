"""Human evaluation (`seshat review summary RUN`): linguists' judgements beside automatic scores.

Per task: how many items were judged and by whom, the mean human score (0-100, ESA) and error
spans per item, the chrF++ of the same items (corpus-level, and sentence-level for the
correlation), and how far the two agree (Pearson and Spearman over items that have a reference).
Answers to questions: how many were right. With several reviewers, their agreement on the items
they both judged: mean absolute score difference and the correlation of their scores.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

from seshat.corpus.judgement import Judgement, run_judgements
from seshat.eval.metrics import corpus_scores, sentence_chrf

MIN_FOR_CORRELATION = 3


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda k: values[k])
    ranks = [0.0] * len(values)
    k = 0
    while k < len(order):
        tied = k
        while tied + 1 < len(order) and values[order[tied + 1]] == values[order[k]]:
            tied += 1
        for position in range(k, tied + 1):
            ranks[order[position]] = (k + tied) / 2 + 1
        k = tied + 1
    return ranks


def correlations(xs: list[float], ys: list[float]) -> dict[str, float | None]:
    """Pearson and Spearman correlation (None with fewer than 3 pairs, or a constant side)."""
    if len(xs) < MIN_FOR_CORRELATION or len(set(xs)) < 2 or len(set(ys)) < 2:
        return {"pearson": None, "spearman": None}
    return {
        "pearson": round(statistics.correlation(xs, ys), 3),
        "spearman": round(statistics.correlation(_ranks(xs), _ranks(ys)), 3),
    }


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _translation_row(judged: list[Judgement]) -> dict[str, Any]:
    scored = [j for j in judged if j.score is not None]
    with_reference = [j for j in scored if j.reference]
    human = [float(j.score) for j in with_reference if j.score is not None]
    automatic = [sentence_chrf(j.output, j.reference or "") for j in with_reference]
    corpus = (
        corpus_scores(
            [j.output for j in with_reference], [j.reference or "" for j in with_reference]
        )
        if with_reference
        else {}
    )
    return {
        "items": len({j.item for j in judged}),
        "judgements": len(judged),
        "reviewers": sorted({j.reviewer for j in judged}),
        "human_score": _mean([float(j.score) for j in scored if j.score is not None]),
        "major_per_item": _mean([float(j.major) for j in judged]),
        "minor_per_item": _mean([float(j.minor) for j in judged]),
        "corrected": sum(1 for j in judged if j.correction),
        "chrf++": round(corpus["chrf++"]["score"], 1) if corpus else None,
        "with_reference": len(with_reference),
        **correlations(human, automatic),
    }


def agreement(judgements: list[Judgement]) -> list[dict[str, Any]]:
    """Each pair of reviewers on the scored items both judged."""
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    for j in judgements:
        if j.kind == "translation" and j.score is not None:
            scores[j.reviewer][j.item] = float(j.score)
    pairs = []
    for a, b in combinations(sorted(scores), 2):
        shared = sorted(set(scores[a]) & set(scores[b]))
        if not shared:
            continue
        xs, ys = [scores[a][k] for k in shared], [scores[b][k] for k in shared]
        pairs.append(
            {
                "reviewers": [a, b],
                "items": len(shared),
                "mean_abs_difference": round(
                    statistics.fmean(abs(x - y) for x, y in zip(xs, ys, strict=True)), 1
                ),
                **correlations(xs, ys),
            }
        )
    return pairs


def summarize(root: Path, run_id: str) -> dict[str, Any]:
    """The human evaluation of run ``run_id`` (empty ``tasks`` when nobody reviewed it).

    Raises:
        JudgementError: A stored judgement that is not valid.
    """
    judgements = run_judgements(root, run_id)
    by_task: dict[str, list[Judgement]] = defaultdict(list)
    answers: dict[str, list[Judgement]] = defaultdict(list)
    for j in judgements:
        (by_task if j.kind == "translation" else answers)[j.task].append(j)
    return {
        "run": run_id,
        "reviewers": sorted({j.reviewer for j in judgements}),
        "judgements": len(judgements),
        "tasks": {task: _translation_row(rows) for task, rows in sorted(by_task.items())},
        "answers": {
            task: {
                "asked": len(rows),
                "right": sum(1 for j in rows if j.verdict == "right"),
                "wrong": sum(1 for j in rows if j.verdict == "wrong"),
                "corrected": sum(1 for j in rows if j.correction),
            }
            for task, rows in sorted(answers.items())
        },
        "agreement": agreement(judgements),
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The summary as Markdown lines (CLI and report read the same words)."""
    if not summary["judgements"]:
        return [f"Nobody has reviewed run {summary['run']} yet (`seshat review {summary['run']}`)."]

    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:g}"

    lines = [
        f"{summary['judgements']} judgements by {', '.join(summary['reviewers'])}.",
        "",
        "| task | items | human score (0-100) | major / minor errors per item | corrected "
        "| chrF++ of these items | Pearson | Spearman |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task, row in summary["tasks"].items():
        lines.append(
            f"| {task} | {row['items']} | {num(row['human_score'])} | "
            f"{num(row['major_per_item'])} / {num(row['minor_per_item'])} | {row['corrected']} | "
            f"{num(row['chrf++'])} | {num(row['pearson'])} | {num(row['spearman'])} |"
        )
    if any(row["pearson"] is None for row in summary["tasks"].values()):
        lines += [
            "",
            f"Correlations need at least {MIN_FOR_CORRELATION} scored items with a reference and "
            "scores that differ; - where there are fewer.",
        ]
    if summary["answers"]:
        lines += [
            "",
            "| questions asked | asked | right | wrong | corrected |",
            "|---|---|---|---|---|",
        ]
        for task, row in summary["answers"].items():
            lines.append(
                f"| {task} | {row['asked']} | {row['right']} | {row['wrong']} | {row['corrected']} |"
            )
    if summary["agreement"]:
        lines += [
            "",
            "| reviewers | items both judged | mean score difference | Pearson | Spearman |",
            "|---|---|---|---|---|",
        ]
        for pair in summary["agreement"]:
            lines.append(
                f"| {' & '.join(pair['reviewers'])} | {pair['items']} | "
                f"{pair['mean_abs_difference']:g} | {num(pair['pearson'])} | {num(pair['spearman'])} |"
            )
    elif len(summary["reviewers"]) > 1:
        lines += ["", "The reviewers judged no item in common: no agreement to measure."]
    return lines
