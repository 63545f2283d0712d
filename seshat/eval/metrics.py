"""Scores through sacrebleu: BLEU, chrF and chrF++ with their signature strings.

Also bootstrap confidence intervals, paired bootstrap against a baseline, and exact match for
dictionary tasks.

Every score is stored next to sacrebleu's signature string, so a number can always be reproduced
(and compared with a number from a paper) with the ``sacrebleu`` command line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

# headline metric first: chrF++ is AmericasNLP's
METRICS = ("chrf++", "chrf", "bleu")
BOOTSTRAP_SAMPLES = 1000


def _metric(name: str) -> Any:
    from sacrebleu.metrics import BLEU, CHRF

    if name == "bleu":
        return BLEU()
    if name == "chrf":
        return CHRF()
    if name == "chrf++":
        return CHRF(word_order=2)
    raise ValueError(f"unknown metric {name!r}")


def corpus_scores(
    hypotheses: Sequence[str], references: Sequence[str], bootstrap: int = 0
) -> dict[str, dict[str, Any]]:
    """BLEU, chrF and chrF++ of ``hypotheses`` against one reference each.

    Args:
        hypotheses: System outputs.
        references: One reference per hypothesis.
        bootstrap: When > 0, also a bootstrap mean and 95 % confidence interval from this many
            resamples (sacrebleu's own resampling; its signature gains ``bs`` and ``seed``).

    Returns:
        ``{metric: {"score", "signature"[, "mean", "ci", "bootstrap_signature"]}}``.
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    hyps, refs = list(hypotheses), [list(references)]
    out: dict[str, dict[str, Any]] = {}
    for name in METRICS:
        metric = _metric(name)
        score = metric.corpus_score(hyps, refs)
        entry: dict[str, Any] = {
            "score": float(score.score),
            "signature": metric.get_signature().format(),
        }
        if bootstrap > 0 and len(hyps) > 1:
            resampler = _metric(name)
            sampled = resampler.corpus_score(hyps, refs, n_bootstrap=bootstrap)
            entry |= {
                "mean": float(sampled._mean),
                "ci": float(sampled._ci),
                "bootstrap_signature": resampler.get_signature().format(),
            }
        out[name] = entry
    return out


def sentence_chrf(hypothesis: str, reference: str) -> float:
    """chrF++ of one sentence (for finding the worst cases; corpus scores are not averages)."""
    return float(_metric("chrf++").sentence_score(hypothesis, [reference]).score)


def _normalised(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Share (0-100) of outputs equal to their reference, ignoring case and spacing (NFC)."""
    if not references:
        return 0.0
    same = sum(
        _normalised(h) == _normalised(r) for h, r in zip(hypotheses, references, strict=True)
    )
    return 100.0 * same / len(references)


def morpheme_accuracy(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Glossing accuracy per morpheme (SIGMORPHON 2023 style), 0-100.

    The gloss line is the answer's last line; its words split at ``-`` and ``=`` into morpheme
    glosses, compared position by position with the reference's (a missing one is wrong).
    """

    def glosses(answer: str) -> list[str]:
        lines = [line for line in answer.strip().splitlines() if line.strip()]
        gloss_line = lines[1] if len(lines) > 1 else (lines[0] if lines else "")
        return [g for word in gloss_line.split() for g in re.split(r"[-=]", word) if g]

    right = total = 0
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        ours, theirs = glosses(hypothesis), glosses(reference)
        total += len(theirs)
        right += sum(a == b for a, b in zip(ours, theirs, strict=False))
    return 100.0 * right / total if total else 0.0


def paired_bootstrap(
    system: Sequence[str],
    baseline: Sequence[str],
    references: Sequence[str],
    samples: int = BOOTSTRAP_SAMPLES,
) -> dict[str, dict[str, Any]]:
    """Paired bootstrap resampling (Koehn 2004, sacrebleu's implementation): is ``system`` better?

    Returns:
        Per metric: both scores, the system's mean and 95 % interval, the p-value of the
        difference, and the signature of the test.
    """
    from sacrebleu.significance import PairedTest

    metrics = {name: _metric(name) for name in METRICS}
    test = PairedTest(
        [("baseline", list(baseline)), ("system", list(system))],
        metrics,
        [list(references)],
        test_type="bs",
        n_samples=samples,
    )
    signatures, results = test()
    # results: {"System": [...], <metric name>: [baseline, system]} in the order of ``metrics``
    keys = [k for k in results if k != "System"]
    out: dict[str, dict[str, Any]] = {}
    for name, key in zip(METRICS, keys, strict=True):
        base, ours = results[key]
        out[name] = {
            "baseline": float(base.score),
            "system": float(ours.score),
            "system_mean": float(ours.mean),
            "system_ci": float(ours.ci),
            "p_value": float(ours.p_value),
            "signature": str(signatures[key]),
        }
    return out


def paired_difference(
    system: Sequence[str],
    other: Sequence[str],
    references: Sequence[str],
    metric: str = "chrf",
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 12345,
) -> dict[str, float]:
    """How much ``system`` beats ``other``, with a paired bootstrap 95 % interval of the difference.

    Both are scored on the same resampled sentences (sacrebleu's sufficient statistics, summed
    per resample, as in its own paired test); the interval is the 2.5th-97.5th percentile of
    ``score(system) - score(other)`` over the resamples. An interval above zero means the gain
    is not an accident of which sentences happened to be in the test set.

    Returns:
        ``{"system", "other", "delta", "low", "high", "samples"}``.
    """
    import numpy as np

    scorer = _metric(metric)
    refs = [list(references)]
    ours = np.array(scorer._extract_corpus_statistics(list(system), refs), dtype="float64")
    theirs = np.array(scorer._extract_corpus_statistics(list(other), refs), dtype="float64")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(references), size=(samples, len(references)))

    def score(stats: Any) -> float:
        return float(scorer._compute_score_from_stats(stats.sum(0)).score)

    deltas = np.array([score(ours[p]) - score(theirs[p]) for p in picks])
    low, high = np.percentile(deltas, [2.5, 97.5])
    return {
        "system": score(ours),
        "other": score(theirs),
        "delta": score(ours) - score(theirs),
        "low": float(low),
        "high": float(high),
        "samples": samples,
    }
