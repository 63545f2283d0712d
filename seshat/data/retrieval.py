"""Retrieval for translation prompts: dictionary entries of the words, and similar examples.

For small data the main lever (MTOB, QueEn): a translation prompt carries the project's own
dictionary entries for the words of the sentence and the ``k`` most similar parallel examples.
The index holds the **training split only** (never dev or test), built by ``data format`` and
saved beside the formatted data (``retrieval.jsonl``), each entry with its access level: a
public server quotes only what its rule allows. Similar examples are found by BM25 over
character 4-grams of words (robust to the rich morphology of the languages Seshat is for);
dictionary entries by their words, exact or sharing a stem (a common prefix of at least 5
letters, or the whole shorter word when it has 4). Everything is deterministic: ties keep the
order of the training split.

A **word-for-word draft** (``tasks.retrieval.word_by_word``) replaces each word of the sentence
with its translation: a single-word dictionary entry first, else the word it is most often
paired with in the training pairs (Dice coefficient of co-occurrence, at least
:data:`PAIR_MIN_COUNT` pairs and :data:`PAIR_MIN_DICE`); names, numbers and unknown words stay
as they are. The learned pairs are computed once, when the index is built, and saved with it;
each carries the most closed level of the training pairs it was learned from, so a destination
that may not quote one of those records never sees the word it gave.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from seshat.kinds import LEVELS
from seshat.yamlio import atomic_write_text

INDEX_FILE = "retrieval.jsonl"
GRAM = 4
K1, B = 1.2, 0.75
MAX_DICTIONARY = 8
MIN_WORD = 4  # shorter words (articles, particles) are not looked up
PAIR_MIN_COUNT = 2  # a learned word pair is seen together in at least this many training pairs
PAIR_MIN_DICE = 0.1  # and its Dice coefficient is at least this
PAIR_MAX_WORDS = 40  # longer sentences add noise (and quadratic cost) to co-occurrence counts
LEARNED = {"source": "learned_source", "target": "learned_target"}  # kinds, by query side
# words, with inner apostrophes (', U+02BC, U+2019: glottal stops in many orthographies) and hyphens
_WORD = re.compile("[^\\W\\d_]+(?:['\u02bc\u2019-][^\\W\\d_]+)*")


@dataclass(frozen=True)
class Entry:
    """One retrievable record of the training split.

    Attributes:
        id: The record's id (empty for a learned word pair, which comes from several).
        kind: ``example`` (a parallel pair), ``dictionary`` (a word and its meaning), or a
            learned word pair: ``learned_source`` (the best translation of a source-language
            word) or ``learned_target`` (of a target-language word).
        source: The source-language side (the translation, or the dictionary gloss).
        target: The target-language side (the sentence, or the headword).
        access: Its access level (a learned pair: the most closed of the pairs it came from).
    """

    id: str
    kind: str
    source: str
    target: str
    access: str


def fold(text: str) -> str:
    """Case-folded, accents removed: what matching compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of ``text``, folded."""
    return _WORD.findall(fold(text))


def grams(text: str) -> list[str]:
    """Character 4-grams of each word, with word boundaries (``#kan``, ``kani``, ``ani#``)."""
    found = []
    for word in words(text):
        padded = f"#{word}#"
        if len(padded) <= GRAM:
            found.append(padded)
        else:
            found += [padded[i : i + GRAM] for i in range(len(padded) - GRAM + 1)]
    return found


def same_stem(a: str, b: str) -> bool:
    """Whether two folded words are the same word up to an ending."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    common = len(_common_prefix(a, b))
    return (common >= 5 and common >= shorter - 3) or (shorter == 4 and common == 4)


def _first_sense(text: str) -> str:
    """The first of a gloss's senses (``casas, hogar`` -> ``casas``)."""
    return re.split("[,;/]", text, maxsplit=1)[0].strip()


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


class Side:
    """BM25 over the character 4-grams of one side of the entries."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths = []
        for n, text in enumerate(texts):
            counts = Counter(grams(text))
            self.lengths.append(sum(counts.values()))
            for gram, count in counts.items():
                self.postings[gram].append((n, count))
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0

    def top(self, query: str, k: int) -> list[int]:
        """Entries ranked for ``query``, best first (at most ``k``).

        Grams found in more than a tenth of the entries (``#de#``, ``que#``) carry little and
        are skipped: a query then touches short posting lists only.
        """
        if not self.lengths or k <= 0:
            return []
        scores: dict[int, float] = defaultdict(float)
        total = len(self.lengths)
        common = max(50, total // 10)
        for gram in set(grams(query)):
            posting = self.postings.get(gram)
            if not posting or len(posting) > common:
                continue
            idf = math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
            for n, count in posting:
                norm = K1 * (1 - B + B * self.lengths[n] / (self.average or 1))
                scores[n] += idf * count * (K1 + 1) / (count + norm)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [n for n, _ in ranked[:k]]


class Index:
    """The retrieval index of a project's training split."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self.examples = [n for n, e in enumerate(self.entries) if e.kind == "example"]
        self.lexicon = [n for n, e in enumerate(self.entries) if e.kind == "dictionary"]
        # a word's translation, by the side it is written in: single-word dictionary entries
        # first (the project's own), then the pairs learned from the training split
        self.word_for_word: dict[str, dict[str, tuple[str, str]]] = {"source": {}, "target": {}}
        for n in self.lexicon:
            entry = self.entries[n]
            for side, other in (("source", "target"), ("target", "source")):
                head = words(_first_sense(getattr(entry, side)))
                if len(head) == 1:
                    meant = _first_sense(getattr(entry, other))
                    self.word_for_word[side].setdefault(head[0], (meant, entry.access))
        for entry in self.entries:
            for side, kind in LEARNED.items():
                if entry.kind == kind:
                    word, meant = (
                        (entry.source, entry.target)
                        if side == "source"
                        else (entry.target, entry.source)
                    )
                    self.word_for_word[side].setdefault(fold(word), (meant, entry.access))
        texts = [self.entries[n] for n in self.examples]
        self.by_side = {
            "source": Side([e.source for e in texts]),
            "target": Side([e.target for e in texts]),
        }
        self.folded = {
            side: [fold(getattr(self.entries[n], side)) for n in self.examples]
            for side in ("source", "target")
        }
        # dictionary words by their first four letters: a word is compared with few entries
        self.stems: dict[str, dict[str, list[tuple[int, str]]]] = {"source": {}, "target": {}}
        for side, table in self.stems.items():
            for n in self.lexicon:
                for word in words(getattr(self.entries[n], side))[:3]:
                    if len(word) >= MIN_WORD:
                        table.setdefault(word[:MIN_WORD], []).append((n, word))

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> Index:
        """Build from training records (segments as dicts): pairs and dictionary entries."""
        found = []
        for row in records:
            text, meaning = row.get("text"), row.get("translation") or row.get("definition")
            if not text or not meaning:
                continue
            kind = (
                "dictionary"
                if row.get("kind") in ("dictionary_entry", "wordlist")
                else ("example" if row.get("translation") else None)
            )
            if kind is None:
                continue
            found.append(
                Entry(str(row["id"]), kind, str(meaning), str(text), str(row.get("access")))
            )
        return cls(found + learned_pairs([e for e in found if e.kind == "example"]))

    def save(self, path: Path) -> None:
        """Write the entries (JSONL, atomically)."""
        atomic_write_text(
            path,
            "".join(json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in self.entries),
        )

    @classmethod
    def load(cls, path: Path) -> Index | None:
        """Read a saved index (None when there is none)."""
        if not path.is_file():
            return None
        with open(path, encoding="utf-8") as handle:
            return cls([Entry(**json.loads(line)) for line in handle if line.strip()])

    def lookup(
        self,
        query: str,
        side: str,
        examples: int,
        dictionary: bool,
        *,
        exclude: str | None = None,
        limit: str = LEVELS[-1],
        word_by_word: bool = False,
    ) -> dict[str, Any]:
        """What a prompt quotes for ``query`` written in ``side`` (``source`` or ``target``).

        Args:
            query: The sentence to translate.
            side: The side it is written in.
            examples: How many similar examples.
            dictionary: Whether to add the dictionary entries of its words.
            exclude: A record id never to quote (the example itself, in training).
            limit: The most closed level that may be quoted (the destination's rule).
            word_by_word: Whether to add a word-for-word ``draft`` of the query.

        Returns:
            ``dictionary`` (rows of ``word`` and ``meaning``), ``examples`` (pairs of ``source``
            and ``target``) and, with ``word_by_word``, ``draft`` (a string).
        """
        allowed = set(LEVELS[: LEVELS.index(limit) + 1]) if limit in LEVELS else set()
        folded_query = fold(query)
        found: dict[str, list[dict[str, str]]] = {}
        if examples:
            chosen: list[int] = []
            wanted = examples + 8
            while len(chosen) < examples:
                ranked = self.by_side[side].top(query, wanted)
                chosen = [
                    k
                    for k in ranked
                    if self.entries[self.examples[k]].access in allowed
                    and self.entries[self.examples[k]].id != exclude
                    and self.folded[side][k] != folded_query
                ][:examples]
                if len(ranked) < wanted:
                    break  # every match was seen
                wanted *= 4
            found["examples"] = [
                {
                    "source": self.entries[self.examples[k]].source,
                    "target": self.entries[self.examples[k]].target,
                }
                for k in chosen
            ]
        if dictionary:
            seen: set[int] = set()
            rows = []
            for word in words(query):
                if len(word) < MIN_WORD:
                    continue
                for n, entry_word in self.stems[side].get(word[:MIN_WORD], []):
                    entry = self.entries[n]
                    if n in seen or entry.access not in allowed or entry.id == exclude:
                        continue
                    if same_stem(word, entry_word):
                        seen.add(n)
                        rows.append({"word": entry.target, "meaning": entry.source})
                        break
                if len(rows) >= MAX_DICTIONARY:
                    break
            found["dictionary"] = rows
        quoted: dict[str, Any] = {
            "dictionary": found.get("dictionary", []),
            "examples": found.get("examples", []),
        }
        if word_by_word:
            quoted["draft"] = self.draft(query, side, allowed)
        return quoted

    def quote(
        self,
        query: str,
        side: str,
        retrieval: Any,
        *,
        exclude: str | None = None,
        limit: str = LEVELS[-1],
    ) -> dict[str, Any]:
        """:meth:`lookup` as a project's ``tasks.retrieval`` asks it (training and inference)."""
        return self.lookup(
            query,
            side,
            retrieval.examples,
            retrieval.dictionary,
            exclude=exclude,
            limit=limit,
            word_by_word=retrieval.word_by_word,
        )

    def draft(self, query: str, side: str, allowed: set[str]) -> str:
        """``query`` with each word replaced by its translation, where one may be quoted.

        Everything else (numbers, punctuation, names and words without a translation) stays.
        A capitalised word's translation is capitalised.
        """
        known = self.word_for_word[side]

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            found = known.get(fold(word))
            if found is None or found[1] not in allowed:
                return word
            meant = found[0]
            return meant[:1].upper() + meant[1:] if word[:1].isupper() else meant

        return _WORD.sub(replace, unicodedata.normalize("NFC", query))


def learned_pairs(examples: Sequence[Entry]) -> list[Entry]:
    """Word pairs learned from parallel examples: each word's most associated other-side word.

    Association is the Dice coefficient of the two words' occurrence in the same pair
    (``2·n(a,b) / (n(a) + n(b))``), counted once per pair, on folded words; a pair must be seen
    together :data:`PAIR_MIN_COUNT` times and reach :data:`PAIR_MIN_DICE`. Ties go to the word
    first met. A pair is written in its words' most frequent lower-case spelling, and carries
    the most closed level of the examples it was seen in.
    """
    rank = {level: n for n, level in enumerate(LEVELS)}
    count: dict[str, Counter[str]] = {"source": Counter(), "target": Counter()}
    spelling: dict[str, dict[str, Counter[str]]] = {"source": {}, "target": {}}
    together: Counter[tuple[str, str]] = Counter()
    closed: dict[tuple[str, str], int] = {}
    for entry in examples:
        found = {}
        for side in ("source", "target"):
            written = _WORD.findall(unicodedata.normalize("NFC", getattr(entry, side).casefold()))
            for word in written:
                spelling[side].setdefault(fold(word), Counter())[word] += 1
            found[side] = list(dict.fromkeys(fold(w) for w in written))[:PAIR_MAX_WORDS]
            count[side].update(found[side])
        level = rank.get(entry.access, len(LEVELS) - 1)  # an unknown level: the most closed
        for a in found["source"]:
            for b in found["target"]:
                together[a, b] += 1
                if closed.get((a, b), -1) < level:
                    closed[a, b] = level
    best: dict[str, dict[str, tuple[float, tuple[str, str]]]] = {"source": {}, "target": {}}
    for (a, b), n in together.items():
        if n < PAIR_MIN_COUNT:
            continue
        dice = 2 * n / (count["source"][a] + count["target"][b])
        if dice < PAIR_MIN_DICE:
            continue
        for side, word in (("source", a), ("target", b)):
            if dice > best[side].get(word, (0.0, ("", "")))[0]:
                best[side][word] = (dice, (a, b))

    def spelt(side: str, word: str) -> str:
        return spelling[side][word].most_common(1)[0][0]

    return [
        Entry("", LEARNED[side], spelt("source", a), spelt("target", b), LEVELS[closed[a, b]])
        for side in ("source", "target")
        for _, (a, b) in best[side].values()
    ]
