"""Sentence alignment of parallel documents that are not line-aligned.

A Gale-Church style dynamic programme over sentence lengths (characters): each link type (1-1,
1-0, 0-1, 2-1, 1-2, 2-2) has a prior, and a length pair costs ``-log P(delta)`` where ``delta``
measures how far the lengths are from the expected ratio (estimated from the document itself).
Words of the project's own lexicon act as anchors: a candidate link is made cheaper for each
target word whose translation is on its source side, and dearer for each whose translations are
all missing there. The programme runs in a
band around the diagonal, so time grows linearly with the document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# (target sentences, source sentences) -> prior probability (Gale & Church 1993)
PRIORS: dict[tuple[int, int], float] = {
    (1, 1): 0.89,
    (1, 0): 0.0099,
    (0, 1): 0.0099,
    (2, 1): 0.089,
    (1, 2): 0.089,
    (2, 2): 0.011,
}
_VARIANCE = 6.8
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Link:
    """Target sentences ``target`` aligned to source sentences ``source`` (index ranges)."""

    target: tuple[int, ...]
    source: tuple[int, ...]
    cost: float


class Aligner:
    """Aligns two lists of sentences.

    Args:
        lexicon: Target-language word -> source-language words (lower-cased) used as anchors.
        anchor_bonus: Cost subtracted per lexicon word whose translation is in the linked source.
        miss_penalty: Cost added per lexicon word whose translations are all absent from it.
        band: Half-width of the band around the diagonal, in sentences.
    """

    def __init__(
        self,
        lexicon: Mapping[str, Sequence[str]] | None = None,
        anchor_bonus: float = 1.5,
        miss_penalty: float = 2.5,
        band: int = 30,
    ) -> None:
        self.lexicon = {k.lower(): {w.lower() for w in v} for k, v in (lexicon or {}).items()}
        self.anchor_bonus = anchor_bonus
        self.miss_penalty = miss_penalty
        self.band = band
        self.priors = {k: -math.log(p) for k, p in PRIORS.items()}

    def _known(self, sentence: str) -> list[set[str]]:
        """For each distinct lexicon word of ``sentence``: the translations it may have."""
        seen = dict.fromkeys(_WORD.findall(sentence.lower()))
        return [self.lexicon[w] for w in seen if w in self.lexicon]

    def align(self, target: Sequence[str], source: Sequence[str]) -> list[Link]:
        """The cheapest sequence of links covering both lists in order.

        Raises:
            ValueError: No path inside the band (lengths of the two sides differ too much).
        """
        n, m = len(target), len(source)
        tp, sp = [0], [0]  # prefix sums of lengths
        for sentence in target:
            tp.append(tp[-1] + len(sentence))
        for sentence in source:
            sp.append(sp[-1] + len(sentence))
        ratio = sp[-1] / tp[-1] if tp[-1] and sp[-1] else 1.0
        # hits(k, j): which lexicon words of target k have a translation in source j (lazy)
        known = [self._known(s) for s in target] if self.lexicon else []
        words = [set(_WORD.findall(s.lower())) for s in source] if self.lexicon else []
        cache: dict[tuple[int, int], frozenset[int]] = {}

        def hits(k: int, j: int) -> frozenset[int]:
            key = (k, j)
            if key not in cache:
                cache[key] = frozenset(x for x, ts in enumerate(known[k]) if ts & words[j])
            return cache[key]

        inf = math.inf
        width = m + 1
        cost = [inf] * ((n + 1) * width)
        back = [0] * ((n + 1) * width)
        cost[0] = 0.0
        moves = list(self.priors.items())
        sqrt, erfc, log = math.sqrt, math.erfc, math.log
        scale = (
            _VARIANCE * ratio * 2.0
        )  # erfc(x / sqrt 2) is the two-sided tail: fold the sqrt 2 in
        bonus, penalty = self.anchor_bonus, self.miss_penalty
        for i in range(n + 1):
            centre = (i * m) // n if n else 0
            low, high = max(0, centre - self.band), min(m, centre + self.band)
            row = i * width
            for j in range(low, high + 1):
                if i == 0 and j == 0:
                    continue
                best, step = inf, 0
                for (di, dj), prior in moves:
                    pi, pj = i - di, j - dj
                    if pi < 0 or pj < 0:
                        continue
                    before = cost[pi * width + pj]
                    if before == inf:
                        continue
                    t_len, s_len = tp[i] - tp[pi], sp[j] - sp[pj]
                    # Gale-Church: -log of the two-sided normal tail. A link with an empty side
                    # (1-0, 0-1) pays its prior only: its length "mismatch" is certain, and
                    # charging it again would glue a missing sentence to its neighbour.
                    if t_len and s_len:
                        spread = sqrt(max((t_len + s_len / ratio) * 0.5, 1.0) * scale)
                        tail = erfc(abs(s_len - t_len * ratio) / spread)
                        c = before + prior - (log(tail) if tail > 1e-300 else -690.8)
                    else:
                        c = before + prior
                    if known and di and dj:
                        if dj == 1:
                            found = sum(len(hits(k, pj)) for k in range(pi, i))
                        else:
                            found = sum(len(hits(k, pj) | hits(k, pj + 1)) for k in range(pi, i))
                        expected = sum(len(known[k]) for k in range(pi, i))
                        c -= bonus * found - penalty * (expected - found)
                    if c < best:
                        best, step = c, di * 3 + dj
                cost[row + j] = best
                back[row + j] = step
        if cost[n * width + m] == inf:
            raise ValueError("no alignment within the band: the two sides differ too much")
        links: list[Link] = []
        i, j = n, m
        while i or j:
            di, dj = divmod(back[i * width + j], 3)
            here, there = cost[i * width + j], cost[(i - di) * width + (j - dj)]
            links.append(Link(tuple(range(i - di, i)), tuple(range(j - dj, j)), here - there))
            i, j = i - di, j - dj
        links.reverse()
        return links

    def align_paragraphs(
        self, target: Sequence[Sequence[str]], source: Sequence[Sequence[str]]
    ) -> list[Link]:
        """Align documents given as paragraphs of sentences: paragraphs first, then sentences.

        With as many paragraphs on both sides, paragraph k is taken to match paragraph k.

        Sentence indices in the links count through the whole document.
        """
        if len(target) == len(source):  # paragraphs already correspond one to one
            joined = [Link((k,), (k,), 0.0) for k in range(len(target))]
        else:
            joined = self.align([" ".join(p) for p in target], [" ".join(p) for p in source])
        t_start = [0]
        for paragraph in target:
            t_start.append(t_start[-1] + len(paragraph))
        s_start = [0]
        for paragraph in source:
            s_start.append(s_start[-1] + len(paragraph))
        links: list[Link] = []
        for link in joined:
            t_sents = [s for k in link.target for s in target[k]]
            s_sents = [s for k in link.source for s in source[k]]
            t0 = t_start[link.target[0]] if link.target else 0
            s0 = s_start[link.source[0]] if link.source else 0
            if not t_sents or not s_sents:
                links.append(
                    Link(
                        tuple(range(t0, t0 + len(t_sents))),
                        tuple(range(s0, s0 + len(s_sents))),
                        link.cost,
                    )
                )
                continue
            for inner in self.align(t_sents, s_sents):
                links.append(
                    Link(
                        tuple(t0 + k for k in inner.target),
                        tuple(s0 + k for k in inner.source),
                        inner.cost,
                    )
                )
        return links
