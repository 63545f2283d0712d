"""Vocabulary extension: target-language tokens added to a byte-level BPE as ordinary merges.

1. A sentencepiece unigram model is trained on the target side of the training split. Its pieces
   are morpheme-like units; a new token must be one of them or a part of one (never a span across
   two), so the new vocabulary follows the language's own segmentation.
2. The base BPE then goes on training on that text: each step merges the adjacent token pair that
   occurs most often (and builds such a unit), which removes as many tokens as the pair occurs:
   the greedy step that cuts fertility most.
3. The merges are appended to the merge list and their results to the vocabulary. The new tokens
   are ordinary tokens (not special, not "added tokens"): the pre-tokenizer and every old merge run
   first, so text without them is tokenized exactly as before, and llama.cpp's converter reads them
   from the merge list like any other token.
4. New ids follow the highest existing id; the model's embedding matrix is then grown (or its
   spare rows used) by ``scripts/resize_model.py``, each new row the mean of the rows of the
   tokens it replaces.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from seshat.tokenizer.fertility import TokenizerError, Vocabulary

MIN_USES = 2


@cache
def _byte_encoder() -> dict[int, str]:
    from seshat.tokenizer.fertility import _byte_decoder

    return {byte: char for char, byte in _byte_decoder().items()}


def byte_level(text: str) -> str:
    """``text`` spelled in the byte-level alphabet (what a byte-level BPE's vocabulary holds)."""
    table = _byte_encoder()
    return "".join(table[b] for b in text.encode("utf-8"))


def train_pieces(texts: Sequence[str], vocab_size: int) -> list[tuple[str, int]]:
    """Train a sentencepiece unigram model on ``texts``; its pieces with how often each is used.

    Raises:
        TokenizerError: Too little text for the requested vocabulary.
    """
    import sentencepiece as spm

    lines = [t.strip() for t in texts if t.strip()]
    if len(lines) < 10:
        raise TokenizerError(
            f"Only {len(lines)} target-language texts to learn tokens from.",
            "build the data first (`seshat data run`) or add sources; a few hundred texts at least",
        )
    with tempfile.TemporaryDirectory(prefix="seshat-spm-") as folder:
        corpus = Path(folder) / "corpus.txt"
        corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
        size = vocab_size
        while True:
            try:
                spm.SentencePieceTrainer.train(
                    input=str(corpus),
                    model_prefix=str(Path(folder) / "sp"),
                    vocab_size=size,
                    model_type="unigram",
                    character_coverage=1.0,
                    num_threads=1,  # one thread: the same pieces on every machine
                    minloglevel=2,
                    hard_vocab_limit=False,
                )
                break
            except RuntimeError as exc:
                if "vocab" not in str(exc).lower() or size <= 64:
                    raise TokenizerError(
                        f"sentencepiece could not train on the target text: {exc}.",
                        "add more target-language text, or lower --tokens",
                    ) from exc
                size //= 2  # more pieces asked for than the text holds
        processor = spm.SentencePieceProcessor(model_file=str(Path(folder) / "sp.model"))
    uses: Counter[str] = Counter()
    for line in lines:
        uses.update(processor.encode(line, out_type=str))
    return uses.most_common()


def allowed_strings(pieces: list[tuple[str, int]]) -> set[str]:
    """Every substring of a sentencepiece piece, in byte-level spelling: what a new token may be."""
    allowed = set()
    for piece, uses in pieces:
        text = byte_level(piece.replace("\u2581", " "))
        if uses < MIN_USES:
            continue
        for start in range(len(text)):
            for stop in range(start + 2, len(text) + 1):
                allowed.add(text[start:stop])
    return allowed


def learn_merges(
    vocabulary: Vocabulary, texts: Sequence[str], allowed: set[str], limit: int
) -> list[tuple[str, str]]:
    """Continue the base BPE on ``texts``: the most frequent adjacent pair, merged, ``limit`` times.

    Each merge saves as many tokens as the pair occurs, so the greedy choice is the one that cuts
    fertility most at that step. Only pairs that build a string sentencepiece found (``allowed``:
    morpheme-like units, not spans across them) and that is not yet a token are merged: new tokens
    then never meet an old merge, so the base tokenizer plus these merges, applied in this order,
    splits the text exactly as simulated here.
    """
    model = vocabulary.tokenizer.model
    known = vocabulary.tokenizer.get_vocab(with_added_tokens=True)
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w, _ in vocabulary.tokenizer.pre_tokenizer.pre_tokenize_str(text))
    words = [[t.value for t in model.tokenize(w)] for w in counts]
    freq = list(counts.values())
    pairs: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], set[int]] = {}
    for index, parts in enumerate(words):
        for pair in itertools.pairwise(parts):
            pairs[pair] += freq[index]
            where.setdefault(pair, set()).add(index)
    merges: list[tuple[str, str]] = []
    while len(merges) < limit:
        best = max(
            (p for p, n in pairs.items() if n >= MIN_USES and "".join(p) in allowed),
            key=lambda p: (pairs[p], "".join(p)),
            default=None,
        )
        if best is None:
            break
        merged = "".join(best)
        if merged in known:  # an existing token reached another way: not new, skip the pair
            del pairs[best]
            continue
        merges.append(best)
        known[merged] = -1
        for index in where.pop(best, set()):
            parts = words[index]
            for pair in itertools.pairwise(parts):
                pairs[pair] -= freq[index]
            joined, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and (parts[i], parts[i + 1]) == best:
                    joined.append(merged)
                    i += 2
                else:
                    joined.append(parts[i])
                    i += 1
            words[index] = joined
            for pair in itertools.pairwise(joined):
                pairs[pair] += freq[index]
                where.setdefault(pair, set()).add(index)
        pairs = +pairs  # drop pairs that no longer occur
    return merges


def _merge_pair(merge: Any) -> tuple[str, str]:
    if isinstance(merge, str):
        left, right = merge.split(" ", 1)
        return left, right
    return merge[0], merge[1]


def add_merges(
    spec: dict[str, Any], vocabulary: Vocabulary, merges: list[tuple[str, str]]
) -> list[str]:
    """Append ``merges`` to the BPE in ``spec`` (a parsed ``tokenizer.json``), new ids after the last.

    Returns:
        The new vocabulary entries (byte-level spelling), in id order.

    Raises:
        TokenizerError: The tokenizer is not a byte-level BPE.
    """
    model = spec.get("model") or {}
    if model.get("type") != "BPE" or not vocabulary.byte_level:
        raise TokenizerError(
            f"{vocabulary.path} is a {model.get('type')} tokenizer; extension supports byte-level "
            "BPE tokenizers (Qwen, Llama 3, GPT-style).",
            "keep the tokenizer (`seshat tokenizer check` shows what it costs)",
        )
    vocab: dict[str, int] = model["vocab"]
    listed: list[Any] = model["merges"]
    as_strings = bool(listed) and isinstance(listed[0], str)
    next_id = 1 + max([*vocab.values(), *(t["id"] for t in spec.get("added_tokens", []))])
    added = []
    for left, right in merges:
        listed.append(f"{left} {right}" if as_strings else [left, right])
        vocab[left + right] = next_id
        next_id += 1
        added.append(left + right)
    return added


def extended_spec(
    vocabulary: Vocabulary, texts: Sequence[str], limit: int
) -> tuple[dict[str, Any], list[str], int]:
    """The tokenizer's JSON with up to ``limit`` tokens learned from ``texts``.

    Returns:
        The extended copy, the new entries, and how many sentencepiece pieces guided them.
    """
    pieces = train_pieces(texts, vocab_size=max(256, min(32000, 4 * limit)))
    merges = learn_merges(vocabulary, texts, allowed_strings(pieces), limit)
    spec = json.loads(json.dumps(vocabulary.spec))
    return spec, add_merges(spec, vocabulary, merges), len(pieces)
