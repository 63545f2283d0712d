"""Orthography drift: which letters and digraphs one set of texts uses more than another.

Real corpora mix spelling conventions (an older orthography with accents or ``qu``/``hu``, a
newer one without). A model trained on one and tested on the other is judged unfairly, and
nothing in a score says why. Cleaning compares each source with the whole corpus, and the split
stage the test (and dev) split with training: the letters and letter pairs whose frequency
differs most, a flag when the difference is large, and a ``language.normalize`` mapping to try
when one unit of one side stands where another stands on the other.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

PER = 1000  # frequencies are per this many letters
MIN_SHARE = 2.0  # a unit must be this frequent (per 1000 letters) on one side to count
FLAG_RATIO = 4.0  # a unit this many times more frequent on one side is drift
SMOOTH = 0.5  # added to counts, so a unit absent on one side has a finite ratio
EVIDENCE = 10  # a difference counts when the rarer side would hold this many at the other's rate
APOSTROPHES = "'\u02bc\u2019"  # apostrophe, modifier letter apostrophe (a glottal stop), quote


def units(texts: Iterable[str]) -> tuple[Counter[str], int]:
    """Letter and within-word letter-pair counts of ``texts`` (case-folded), and letter count."""
    found: Counter[str] = Counter()
    letters = 0
    for text in texts:
        for word in text.casefold().split():
            chars = [c for c in word if c.isalpha() or c in APOSTROPHES]
            letters += len(chars)
            found.update(chars)
            found.update(a + b for a, b in itertools.pairwise(chars))
    return found, letters


def compare(
    ours: tuple[Counter[str], int], theirs: tuple[Counter[str], int], top: int = 8
) -> list[dict[str, Any]]:
    """The units whose frequency differs most between two profiles (per 1000 letters)."""
    (a, na), (b, nb) = ours, theirs
    if not na or not nb:
        return []
    rows = []
    for unit in set(a) | set(b):
        fa, fb = (a[unit] + SMOOTH) * PER / na, (b[unit] + SMOOTH) * PER / nb
        if max(fa, fb) < MIN_SHARE:
            continue
        ratio = fa / fb
        # how many the rarer side would hold at the other side's rate: too few, and an absence
        # is chance (a small split), not another spelling
        expected = fb * na / PER if ratio < 1 else fa * nb / PER
        rows.append(
            {
                "unit": unit,
                "per_1000": [round(fa, 2), round(fb, 2)],
                "ratio": round(ratio, 2),
                "evidence": round(expected, 1),
                "weight": abs(math.log(ratio)) * math.sqrt(max(fa, fb)),
            }
        )
    rows.sort(key=lambda r: (-r["weight"], r["unit"]))
    for row in rows:
        del row["weight"]
    return rows[:top]


def _gap(rows: list[dict[str, Any]]) -> float:
    """How far apart two spellings are: the strong units' log ratios, weighted by frequency."""
    return sum(abs(math.log(r["ratio"] or 0.01)) * max(r["per_1000"]) for r in rows)


def strong(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that differ by :data:`FLAG_RATIO` or more, on enough evidence."""
    return [
        r
        for r in rows
        if (r["ratio"] >= FLAG_RATIO or r["ratio"] <= 1 / FLAG_RATIO) and r["evidence"] >= EVIDENCE
    ]


def _candidates(train: list[str], held: list[str]) -> list[tuple[str, str]]:
    """Spelling substitutions that turn training words into the held-out split's.

    Each frequent training word that the held-out split lacks is matched with its closest word
    there (difflib), and the letters that differ are counted as one substitution (``qu`` ->
    ``k``); those seen in several words are kept, most frequent first.
    """
    held_words = Counter(w for text in held for w in text.casefold().split() if w.isalpha())
    train_words = Counter(w for text in train for w in text.casefold().split() if w.isalpha())
    vocabulary = [w for w, _ in held_words.most_common(5000)]
    pairs: Counter[tuple[str, str]] = Counter()
    witnesses: dict[tuple[str, str], set[str]] = {}
    for word, count in train_words.most_common(300):
        if word in held_words:
            continue
        match = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.4)
        if not match:
            continue
        for tag, a0, a1, b0, b1 in difflib.SequenceMatcher(None, word, match[0]).get_opcodes():
            if tag == "replace" and a1 - a0 <= 3 and b1 - b0 <= 3:
                pair = (word[a0:a1], match[0][b0:b1])
                pairs[pair] += count
                witnesses.setdefault(pair, set()).add(word)
    return [pair for pair, _ in pairs.most_common() if len(witnesses[pair]) >= 2][:10]


def _normalised(text: str, mapping: dict[str, str]) -> str:
    text = text.casefold()
    for old in sorted(mapping, key=len, reverse=True):
        text = text.replace(old, mapping[old])
    return text


def drift(
    train_texts: Iterable[str], held_texts: Iterable[str], name: str = "test"
) -> dict[str, Any]:
    """How the ``name`` split's spelling differs from training: units, a flag, a suggestion.

    A suggested ``language.normalize`` mapping is kept only when applying it to the training
    texts narrows the gap (the strong units' log ratios, weighted by frequency).
    """
    train_list, held_list = list(train_texts), list(held_texts)
    train, held = units(train_list), units(held_list)
    rows = compare(held, train)
    differing = strong(compare(held, train, top=40))
    found: dict[str, Any] = {
        "split": name,
        "letters": [held[1], train[1]],
        "differs_most": rows,
        "flag": bool(differing),
    }
    if not differing:
        return found
    found["note"] = f"the {name} split's spelling differs from training: " + ", ".join(
        f"'{r['unit']}' {r['per_1000'][0]:.0f} vs {r['per_1000'][1]:.0f} per 1000 letters"
        for r in differing[:3]
    )
    # each candidate substitution is kept only if it narrows the gap further (greedy)
    mapping: dict[str, str] = {}
    best = _gap(differing)
    for old, new in _candidates(train_list, held_list):
        if old in mapping or any(old in taken for taken in mapping):
            continue
        trial = {**mapping, old: new}
        gap = _gap(strong(compare(held, units(_normalised(t, trial) for t in train_list), 40)))
        if gap < 0.95 * best:
            mapping, best = trial, gap
    if mapping:
        found["suggest_normalize"] = mapping
        found["suggest_effect"] = f"the gap narrows from {_gap(differing):.0f} to {best:.0f}"
    return found
