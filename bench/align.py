"""Sentence alignment: precision, recall and F1 of links, and sentence pairs per second.

A line-aligned bitext is joined into paragraphs; then, on the source side, some sentences are
merged with the next one (2-1 links), some split in two (1-2) and some dropped (1-0); the aligner
must find the links back. The bitext is synthetic (sentence lengths drawn like real prose, source
lengths ~1.1x the target's with ±15 % noise, words of a made-up vocabulary): the shared corpora
hold no Spanish bitext of sentences. Half of the words are in a lexicon, as a project's own
dictionary would give anchors.
Goal (issue: data pipeline): F1 >= 0.95 at >= 5,000 sentence pairs/s on one core.
"""

from __future__ import annotations

import random
import time

from _common import table

from seshat.data.align import Aligner

VOCABULARY = 3000
LEXICON = {f"t{i}": [f"s{i}"] for i in range(0, VOCABULARY, 2)}  # half the words are in the lexicon


def pair(rng: random.Random, chars: int) -> tuple[str, str]:
    """A target sentence of about ``chars`` characters and its "translation".

    The translation holds the lexicon translations of the target's known words, shuffled, and
    filler words up to ~1.1x the length (±15 %).
    """
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(f"t{rng.randrange(VOCABULARY)}")
    translated = [LEXICON[w][0] for w in words if w in LEXICON]
    rng.shuffle(translated)
    goal = int(chars * 1.1 * rng.gauss(1.0, 0.15))
    while sum(len(w) + 1 for w in translated) < goal:
        translated.insert(rng.randrange(len(translated) + 1), f"f{rng.randrange(VOCABULARY)}")
    return " ".join(words), " ".join(translated)


def bitext(pairs: int, seed: int = 7) -> tuple[list[list[str]], list[list[str]], set[tuple]]:
    """Paragraphs of target and source sentences, and the gold links (sentence indices)."""
    rng = random.Random(seed)
    target: list[list[str]] = []
    source: list[list[str]] = []
    gold: set[tuple] = set()
    t_index = s_index = 0
    made = 0
    while made < pairs:
        size = rng.randint(3, 12)
        t_par: list[str] = []
        s_par: list[str] = []
        k = 0
        while k < size and made < pairs:
            t, s = pair(rng, max(8, int(rng.lognormvariate(4.0, 0.5))))
            roll = rng.random()
            if roll < 0.05 and k + 1 < size:  # merge the next pair's source into this one: 2-1
                t2, s2 = pair(rng, max(8, int(rng.lognormvariate(4.0, 0.5))))
                t_par += [t, t2]
                s_par.append(f"{s} {s2}")
                gold.add(((t_index, t_index + 1), (s_index,)))
                t_index, s_index, k, made = t_index + 2, s_index + 1, k + 2, made + 2
                continue
            if roll < 0.10:  # split the source in two: 1-2
                words = s.split()
                cut = max(1, len(words) // 2)
                t_par.append(t)
                s_par += [" ".join(words[:cut]), " ".join(words[cut:]) or "x"]
                gold.add(((t_index,), (s_index, s_index + 1)))
                t_index, s_index = t_index + 1, s_index + 2
            elif roll < 0.13:  # the source lacks this sentence: 1-0
                t_par.append(t)
                gold.add(((t_index,), ()))
                t_index += 1
            else:
                t_par.append(t)
                s_par.append(s)
                gold.add(((t_index,), (s_index,)))
                t_index, s_index = t_index + 1, s_index + 1
            k += 1
            made += 1
        target.append(t_par)
        source.append(s_par)
    return target, source, gold


def score(found: set[tuple], gold: set[tuple]) -> tuple[float, float, float]:
    """Precision, recall and F1 of links."""
    hits = len(found & gold)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def main() -> None:
    """Align 20,000 pairs by paragraphs; print quality and speed."""
    target, source, gold = bitext(20_000)
    rows = []
    for name, aligner in (("length only", Aligner()), ("+ lexicon anchors", Aligner(LEXICON))):
        start = time.perf_counter()
        links = aligner.align_paragraphs(target, source)
        seconds = time.perf_counter() - start
        found = {(link.target, link.source) for link in links}
        precision, recall, f1 = score(found, gold)
        pairs = sum(len(p) for p in target)
        rows.append(
            [name, f"{precision:.3f}", f"{recall:.3f}", f"{f1:.3f}", f"{pairs / seconds:,.0f}"]
        )
    table(
        "Sentence alignment of a perturbed synthetic bitext, 20,000 sentences, one core "
        "(goal: F1 >= 0.95 at >= 5,000 pairs/s)",
        ["aligner", "precision", "recall", "F1", "sentences/s"],
        rows,
    )


if __name__ == "__main__":
    main()
