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
# words, with inner apostrophes (', U+02BC, U+2019: glottal stops in many orthographies) and hyphens
_WORD = re.compile("[^\\W\\d_]+(?:['\u02bc\u2019-][^\\W\\d_]+)*")


@dataclass(frozen=True)
class Entry:
    """One retrievable record of the training split.

    Attributes:
        id: The record's id.
        kind: ``example`` (a parallel pair) or ``dictionary`` (a word and its meaning).
        source: The source-language side (the translation, or the dictionary gloss).
        target: The target-language side (the sentence, or the headword).
        access: Its access level.
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
        return cls(found)

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
    ) -> dict[str, list[dict[str, str]]]:
        """What a prompt quotes for ``query`` written in ``side`` (``source`` or ``target``).

        Args:
            query: The sentence to translate.
            side: The side it is written in.
            examples: How many similar examples.
            dictionary: Whether to add the dictionary entries of its words.
            exclude: A record id never to quote (the example itself, in training).
            limit: The most closed level that may be quoted (the destination's rule).
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
        return {"dictionary": found.get("dictionary", []), "examples": found.get("examples", [])}
