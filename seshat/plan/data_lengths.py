"""How long the formatted training examples are, in the base model's tokens.

The plan sizes ``sequence_len`` to the data (not to a profile's guess) and estimates how many
tokens a step processes. Token counts come from the base model's own ``tokenizer.json`` (the
``tokenizers`` library, no torch); each chat message adds the few tokens of its role markers
(:data:`MESSAGE_OVERHEAD`, an approximation of the chat template), so the counts are within a
few tokens of what the trainer sees.
"""

from __future__ import annotations

import bisect
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

MESSAGE_OVERHEAD = 5  # <|im_start|>role\n ... <|im_end|>\n and the like
COVER = 0.995  # the share of examples the planned sequence length must hold whole
ROUND_TO = 32


@dataclass(frozen=True)
class DataLengths:
    """Token lengths of a formatted split.

    Attributes:
        examples: How many examples.
        mean: Mean length in tokens.
        p995: The length that covers 99.5 % of them.
        longest: The longest.
        lengths: Every length, sorted (for padding and cut estimates).
    """

    examples: int
    mean: float
    p995: int
    longest: int
    lengths: tuple[int, ...]

    def sequence_len(self) -> int:
        """The sequence length the data needs: its 99.5th percentile, rounded up to 32."""
        return max(ROUND_TO, math.ceil(self.p995 / ROUND_TO) * ROUND_TO)

    def cut_at(self, length: int) -> int:
        """How many examples are longer than ``length`` tokens (the trainer cuts them)."""
        return sum(1 for n in self.lengths if n > length)

    def padded_batch_tokens(self, micro_batch: int, seed: int = 0) -> float:
        """Tokens of a micro-batch padded to its longest example (the trainers pad per batch).

        Estimated over 256 seeded random batches of the data.
        """
        if not self.lengths:
            return 0.0
        pick = random.Random(seed)
        draws = [max(pick.choices(self.lengths, k=micro_batch)) for _ in range(256)]
        return micro_batch * sum(draws) / len(draws)

    def packed_rows(self, length: int) -> int:
        """Rows of ``length`` tokens the examples fill when packed (each cut at ``length``).

        Best fit, longest first: what the trainers' packers (Axolotl's multipack, LLaMA-Factory's
        knapsack) come close to. Only the tokenized examples are packed: scale by
        ``examples / len(lengths)`` for the whole split.
        """
        room: list[int] = []  # free tokens of each open row, sorted
        rows = 0
        for size in sorted((min(n, length) for n in self.lengths), reverse=True):
            at = bisect.bisect_left(room, size)
            if at < len(room):
                left = room.pop(at) - size
            else:
                rows += 1
                left = length - size
            if left > 0:
                bisect.insort(room, left)
        return rows

    def per_packed_row(self, length: int) -> float:
        """Examples a packed row of ``length`` tokens holds on average."""
        rows = self.packed_rows(length)
        return len(self.lengths) / rows if rows else 1.0


def _tokenizer(model_dir: Path) -> object | None:
    path = model_dir / "tokenizer.json"
    if not path.is_file():
        return None
    from tokenizers import Tokenizer

    try:
        return Tokenizer.from_file(str(path))
    except Exception:
        return None


def measure(model_dir: Path, chat_path: Path, limit: int = 50_000) -> DataLengths | None:
    """Token lengths of the chats in ``chat_path`` (the first ``limit``), or None when unknown.

    ``examples`` counts every chat of the file, tokenized or not.

    None when the split or the model's ``tokenizer.json`` is missing, or the split is empty.
    """
    if not chat_path.is_file():
        return None
    tokenizer = _tokenizer(model_dir)
    if tokenizer is None:
        return None
    texts: list[list[str]] = []
    total = 0  # every example counts for the steps, the first ``limit`` are tokenized
    with open(chat_path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            total += 1
            if len(texts) >= limit:
                continue
            try:
                messages = json.loads(line).get("messages") or []
            except (json.JSONDecodeError, AttributeError):
                continue
            texts.append([str(m.get("content", "")) for m in messages if isinstance(m, dict)])
    if not texts:
        return None
    flat = [content for chat in texts for content in chat]
    counts = [len(e.ids) for e in tokenizer.encode_batch(flat, add_special_tokens=False)]  # type: ignore[attr-defined]
    lengths, at = [], 0
    for chat in texts:
        lengths.append(sum(counts[at : at + len(chat)]) + MESSAGE_OVERHEAD * len(chat))
        at += len(chat)
    lengths.sort()
    index = min(len(lengths) - 1, math.ceil(COVER * len(lengths)) - 1)
    return DataLengths(
        examples=max(total, len(lengths)),
        mean=sum(lengths) / len(lengths),
        p995=lengths[index],
        longest=lengths[-1],
        lengths=tuple(lengths),
    )
