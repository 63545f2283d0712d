"""How hard a tokenizer shreds a language: tokens per word, characters per token, byte fallback.

Works on any ``tokenizer.json`` (the ``tokenizers`` library, no torch): byte-level BPE (Qwen,
Llama 3), sentencepiece-style with ``<0x..>`` byte pieces, or WordPiece/Unigram with an unknown
token. A token counts as *byte fallback* when it is not a whole character on its own (a piece of
a UTF-8 sequence), or when it is the unknown token: a sign that the vocabulary lacks the
character, which costs the model several tokens for one letter.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from seshat.errors import SeshatError

# letters, digits and apostrophes (glottal stops: ' U+2019 U+02BC), joined by hyphens
WORD = re.compile("[\\w'\u2019\u02bc]+(?:-[\\w'\u2019\u02bc]+)*")
_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
LONGEST = 10


class TokenizerError(SeshatError):
    """A tokenizer cannot be loaded or used."""


def words(text: str) -> list[str]:
    """Words of ``text``: runs of letters, digits and apostrophes (glottal stops), joined by hyphens."""
    return [w for w in WORD.findall(text) if any(c.isalpha() for c in w)]


@cache
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-to-unicode table, inverted (how byte-level BPE spells raw bytes)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    chars, extra = list(printable), 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


class Vocabulary:
    """A loaded ``tokenizer.json`` with the questions fertility asks of it."""

    def __init__(self, path: Path) -> None:
        """Load ``path`` (a ``tokenizer.json`` or a model folder holding one).

        Raises:
            TokenizerError: Missing or unreadable file.
        """
        from tokenizers import Tokenizer

        file = path / "tokenizer.json" if path.is_dir() else path
        if not file.is_file():
            raise TokenizerError(
                f"No tokenizer.json at {file}.",
                "point model.base at a local model folder with a tokenizer.json, or pass "
                "--tokenizer FILE (a model from the hub must be downloaded first)",
            )
        try:
            self.tokenizer = Tokenizer.from_file(str(file))
            self.spec = json.loads(file.read_text(encoding="utf-8"))
        except Exception as exc:  # tokenizers raises plain Exception subclasses
            raise TokenizerError(
                f"{file} is not a tokenizer the `tokenizers` library can load: {exc}.",
                "check the file (a Hugging Face fast tokenizer.json), or re-save it with "
                "transformers' `tokenizer.save_pretrained(folder)`",
            ) from exc
        self.path = file
        self.byte_level = "ByteLevel" in json.dumps(self.spec.get("decoder"))
        model = self.spec.get("model") or {}
        self.unknown = model.get("unk_token")

    @property
    def size(self) -> int:
        """Tokens including added ones."""
        return int(self.tokenizer.get_vocab_size(with_added_tokens=True))

    def encode(self, text: str) -> list[str]:
        """The token strings of ``text`` (no special tokens added)."""
        return list(self.tokenizer.encode(text, add_special_tokens=False).tokens)

    def token_bytes(self, token: str) -> bytes | None:
        """The raw bytes a token stands for (None for the unknown token)."""
        if token == self.unknown:
            return None
        match = _BYTE_PIECE.match(token)
        if match:
            return bytes([int(match.group(1), 16)])
        if self.byte_level:
            table = _byte_decoder()
            if all(char in table for char in token):
                return bytes(table[char] for char in token)
        return token.replace("\u2581", " ").encode("utf-8")

    def is_fallback(self, token: str) -> bool:
        """Whether the token is unknown or only part of a character."""
        raw = self.token_bytes(token)
        if raw is None:
            return True
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    def pieces(self, word: str) -> list[str]:
        """How a word after a space is split, as readable pieces."""
        ids = self.tokenizer.encode(" " + word, add_special_tokens=False).ids
        return [self.tokenizer.decode([i]) for i in ids]


@dataclass
class Side:
    """Counts for one language (or one language and data kind)."""

    texts: int = 0
    words: int = 0
    tokens: int = 0
    characters: int = 0
    fallback: int = 0
    fallback_chars: Counter[str] = field(default_factory=Counter)

    def add(self, vocabulary: Vocabulary, text: str) -> None:
        """Count one text."""
        tokens = vocabulary.encode(text)
        self.texts += 1
        self.words += len(words(text))
        self.tokens += len(tokens)
        self.characters += sum(1 for c in text if not c.isspace())
        run = b""  # consecutive fallback tokens together spell the characters they split
        for token in [*tokens, ""]:
            if token and vocabulary.is_fallback(token):
                self.fallback += 1
                run += vocabulary.token_bytes(token) or b""
            elif run:
                chars = run.decode("utf-8", errors="ignore")
                self.fallback_chars.update(c for c in chars if not c.isspace())
                run = b""

    @property
    def fertility(self) -> float:
        """Tokens per word."""
        return self.tokens / self.words if self.words else 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "texts": self.texts,
            "words": self.words,
            "tokens": self.tokens,
            "tokens_per_word": round(self.fertility, 3),
            "chars_per_token": round(self.characters / self.tokens, 3) if self.tokens else 0.0,
            "byte_fallback_rate": round(self.fallback / self.tokens, 4) if self.tokens else 0.0,
        }


@dataclass(frozen=True)
class Pair:
    """One record seen by the check: its data kind, target text and source-language text."""

    kind: str
    target: str
    source: str | None


def measure(vocabulary: Vocabulary, pairs: Iterable[Pair]) -> dict[str, dict[str, Side]]:
    """Counts per side (``target``/``source``) and per data kind (``all`` = every kind)."""
    sides: dict[str, dict[str, Side]] = {"target": {}, "source": {}}
    for pair in pairs:
        for side, text in (("target", pair.target), ("source", pair.source)):
            if not text:
                continue
            for kind in ("all", pair.kind):
                sides[side].setdefault(kind, Side()).add(vocabulary, text)
    return sides


def longest_splits(
    vocabulary: Vocabulary, texts: Iterable[str], limit: int = LONGEST
) -> list[dict[str, Any]]:
    """The words split into the most tokens, most frequent first among ties."""
    counts = Counter(word for text in texts for word in words(text))
    rows = []
    for word, count in counts.items():
        pieces = vocabulary.pieces(word)
        rows.append({"word": word, "tokens": len(pieces), "pieces": pieces, "count": count})
    rows.sort(key=lambda row: (-row["tokens"], -row["count"], row["word"]))
    return rows[:limit]


def recommend(target: Side, source: Side, threshold: float, source_name: str) -> dict[str, Any]:
    """The rule of thumb: extend when the target needs > ``threshold`` x the source's tokens per word.

    The reasons say what was compared, and name byte fallback when there is much of it.
    """
    ratio = target.fertility / source.fertility if source.fertility else None
    reasons = []
    if ratio is None:
        reasons.append(f"no {source_name} text to compare with: the ratio is unknown")
        extend = target.fertility > threshold * 1.5  # a typical well-covered language: ~1.5
    else:
        reasons.append(
            f"target {target.fertility:.2f} tokens/word vs {source.fertility:.2f} for "
            f"{source_name}: {ratio:.2f}x (rule of thumb: extend above {threshold:g}x)"
        )
        extend = ratio > threshold
    rate = target.fallback / target.tokens if target.tokens else 0.0
    if rate > 0.01:
        chars = "".join(c for c, _ in target.fallback_chars.most_common(12))
        reasons.append(
            f"{rate:.1%} of target tokens are byte fallback (characters the vocabulary lacks: {chars})"
        )
    if not extend:
        reasons.append("keep the tokenizer: a LoRA run can learn these splits")
    else:
        reasons.append(
            "extend: `seshat tokenizer extend` adds target-language tokens and trains the embeddings"
        )
    return {
        "extend": extend,
        "ratio": None if ratio is None else round(ratio, 3),
        "reasons": reasons,
    }
