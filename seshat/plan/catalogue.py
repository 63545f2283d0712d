"""Model shapes the memory estimator needs: from a local ``config.json`` or a built-in catalogue.

The catalogue covers the models Seshat is built for (Qwen3 dense 0.6B-32B, Qwen3-30B-A3B and
Qwen3-Next-80B-A3B). A local model folder always wins: its ``config.json`` is read, so a resized
vocabulary or an unknown family is measured as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from seshat.config.models import ModelSpec

QWEN_VOCAB = 151936


@dataclass(frozen=True)
class ModelShape:
    """The sizes that decide training memory.

    Attributes:
        name: Display name.
        hidden: Hidden size.
        layers: Decoder layers.
        intermediate: Dense MLP width (0 for MoE layers).
        heads: Query heads of the full-attention layers.
        kv_heads: Key/value heads.
        head_dim: Width of one head.
        vocab: Embedding rows.
        tied: Whether the output head shares the embedding matrix.
        experts: Routed experts per layer (0 = dense).
        experts_per_token: Experts each token goes through.
        expert_intermediate: MLP width of one expert.
        shared_expert_intermediate: MLP width of the always-on shared expert (0 = none).
        linear_attention_every: Qwen3-Next style hybrid: every Nth layer is full attention and the
            others are linear attention (0 = all layers full attention).
        linear_key_heads: Key heads of a linear-attention layer.
        linear_value_heads: Value heads of a linear-attention layer.
        linear_head_dim: Width of one linear-attention head.
        gated_attention: Whether the full-attention query projection also yields an output gate.
    """

    name: str
    hidden: int
    layers: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int = QWEN_VOCAB
    tied: bool = False
    experts: int = 0
    experts_per_token: int = 0
    expert_intermediate: int = 0
    shared_expert_intermediate: int = 0
    linear_attention_every: int = 0
    linear_key_heads: int = 0
    linear_value_heads: int = 0
    linear_head_dim: int = 0
    gated_attention: bool = False

    @property
    def is_moe(self) -> bool:
        """Whether the MLPs are mixtures of experts."""
        return self.experts > 0

    @property
    def full_attention_layers(self) -> int:
        """Layers with softmax attention (the rest are linear attention)."""
        if self.linear_attention_every <= 0:
            return self.layers
        return self.layers // self.linear_attention_every

    def attention_linears(self) -> list[tuple[int, int, int]]:
        """``(in, out, count)`` of every attention projection in the model."""
        h, q = self.hidden, self.heads * self.head_dim
        kv = self.kv_heads * self.head_dim
        full = self.full_attention_layers
        found = [
            (h, q * (2 if self.gated_attention else 1), full),
            (h, kv, 2 * full),
            (q, h, full),
        ]
        linear = self.layers - full
        if linear:
            keys = self.linear_key_heads * self.linear_head_dim
            values = self.linear_value_heads * self.linear_head_dim
            found += [
                (h, 2 * keys + 2 * values, linear),
                (h, 2 * self.linear_value_heads, linear),
                (values, h, linear),
            ]
        return found

    def mlp_linears(self, *, experts: bool = True) -> list[tuple[int, int, int]]:
        """``(in, out, count)`` of every MLP projection (gate, up, down; routers included)."""
        h, n = self.hidden, self.layers
        if not self.is_moe:
            i = self.intermediate
            return [(h, i, 2 * n), (i, h, n)]
        found: list[tuple[int, int, int]] = [(h, self.experts, n)]  # router
        if experts:
            e, count = self.expert_intermediate, self.experts * n
            found += [(h, e, 2 * count), (e, h, count)]
        if self.shared_expert_intermediate:
            s = self.shared_expert_intermediate
            found += [(h, s, 2 * n), (s, h, n)]
        return found

    def embedding_parameters(self) -> int:
        """Embedding matrix plus an untied output head."""
        return self.vocab * self.hidden * (1 if self.tied else 2)

    def parameters(self) -> int:
        """All parameters (norms and biases left out: well under 0.1 %)."""
        linears = self.attention_linears() + self.mlp_linears()
        return self.embedding_parameters() + sum(i * o * c for i, o, c in linears)

    def active_mlp_width(self) -> int:
        """MLP width one token passes through (top-k experts plus the shared one)."""
        if not self.is_moe:
            return self.intermediate
        return self.experts_per_token * self.expert_intermediate + self.shared_expert_intermediate


def _dense(
    name: str, hidden: int, layers: int, intermediate: int, heads: int, tied: bool
) -> ModelShape:
    return ModelShape(name, hidden, layers, intermediate, heads, 8, 128, tied=tied)


CATALOGUE: dict[str, ModelShape] = {
    shape.name.lower(): shape
    for shape in [
        _dense("Qwen3-0.6B", 1024, 28, 3072, 16, True),
        _dense("Qwen3-1.7B", 2048, 28, 6144, 16, True),
        _dense("Qwen3-4B", 2560, 36, 9728, 32, True),
        _dense("Qwen3-8B", 4096, 36, 12288, 32, False),
        _dense("Qwen3-14B", 5120, 40, 17408, 40, False),
        _dense("Qwen3-32B", 5120, 64, 25600, 64, False),
        ModelShape(
            "Qwen3-30B-A3B",
            2048,
            48,
            0,
            32,
            4,
            128,
            experts=128,
            experts_per_token=8,
            expert_intermediate=768,
        ),
        ModelShape(
            "Qwen3-Next-80B-A3B",
            2048,
            48,
            0,
            16,
            2,
            256,
            experts=512,
            experts_per_token=10,
            expert_intermediate=512,
            shared_expert_intermediate=512,
            linear_attention_every=4,
            linear_key_heads=16,
            linear_value_heads=32,
            linear_head_dim=128,
            gated_attention=True,
        ),
    ]
}


def shape_from_config(config: dict[str, Any], name: str) -> ModelShape:
    """Read a Hugging Face ``config.json`` (dense, Qwen3-MoE and Qwen3-Next layouts).

    Raises:
        KeyError: A required size is missing.
    """
    text = config.get("text_config") or config  # multimodal wrappers (Gemma 3) nest it
    hidden = int(text["hidden_size"])
    heads = int(text["num_attention_heads"])
    experts = int(text.get("num_experts") or text.get("num_local_experts") or 0)
    interval = int(text.get("full_attention_interval") or 0)
    return ModelShape(
        name=name,
        hidden=hidden,
        layers=int(text["num_hidden_layers"]),
        intermediate=0 if experts else int(text["intermediate_size"]),
        heads=heads,
        kv_heads=int(text.get("num_key_value_heads") or heads),
        head_dim=int(text.get("head_dim") or hidden // heads),
        vocab=int(text["vocab_size"]),
        tied=bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", False))),
        experts=experts,
        experts_per_token=int(text.get("num_experts_per_tok") or 0),
        expert_intermediate=int(text.get("moe_intermediate_size") or 0),
        shared_expert_intermediate=int(text.get("shared_expert_intermediate_size") or 0),
        linear_attention_every=interval,
        linear_key_heads=int(text.get("linear_num_key_heads") or 0),
        linear_value_heads=int(text.get("linear_num_value_heads") or 0),
        linear_head_dim=int(text.get("linear_key_head_dim") or 0),
        gated_attention=text.get("model_type") == "qwen3_next",
    )


def find_shape(model: ModelSpec, project_dir: Path) -> tuple[ModelShape | None, str]:
    """The shape of the project's base model and where it came from.

    A local folder's ``config.json`` wins; a hub id is looked up by its last path part
    (``Qwen/Qwen3-14B`` → ``qwen3-14b``, with ``-Instruct``/``-Base`` suffixes ignored).

    Returns:
        ``(shape, origin)``; shape is None when the model is unknown (origin says why).
    """
    local = model.local_path(project_dir)
    if local is not None:
        path = local / "config.json"
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
            # the path as written in seshat.yaml: plan.json stays the same in another folder
            return shape_from_config(config, local.name), f"read from {model.base}/config.json"
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return None, f"cannot read sizes from {path} ({exc})"
    key = model.base.rsplit("/", 1)[-1].lower()
    for suffix in ("-instruct-2507", "-thinking-2507", "-instruct", "-base", "-fp8"):
        key = key.removesuffix(suffix)
    shape = CATALOGUE.get(key)
    if shape is None:
        return None, f"{model.base!r} is not in the catalogue ({', '.join(sorted(CATALOGUE))})"
    return replace(shape, name=model.base), f"catalogue entry {shape.name}"
