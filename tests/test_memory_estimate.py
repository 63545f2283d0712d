"""The memory estimator against published figures (DEPENDENCIES.md, "Published memory figures").

A case passes when the estimate lies inside the range its sources give, or within ±20 % of one of
its figures. Settings are the sources' own where they publish them (the Strix Halo notebook: batch
4, max_length 512, eager attention, LoRA r16; its QLoRA run uses gradient checkpointing, a paged
8-bit AdamW and PEFT's fp32 upcast), otherwise one micro-batch of 512 tokens, LoRA r16 and gradient
checkpointing (the requirement tables). Run with ``-s`` to see the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from seshat.plan.catalogue import CATALOGUE, ModelShape
from seshat.plan.memory import Settings, estimate, lora_parameters

# Shapes of the models the sources used (from their config.json files).
LLAMA2_7B = ModelShape("Llama-2-7B", 4096, 32, 11008, 32, 32, 128, vocab=32000)
QWEN25_14B = ModelShape("Qwen2.5-14B", 5120, 48, 13824, 40, 8, 128, vocab=152064)
LLAMA_33B = ModelShape("LLaMA-33B", 6656, 60, 17920, 52, 52, 128, vocab=32000)
QWEN25_32B = ModelShape("Qwen2.5-32B", 5120, 64, 27648, 40, 8, 128, vocab=152064)
LLAMA3_70B = ModelShape("Llama-3-70B", 8192, 80, 28672, 64, 8, 128, vocab=128256)
LLAMA_65B = ModelShape("LLaMA-65B", 8192, 80, 22016, 64, 64, 128, vocab=32000)
GEMMA3_4B = ModelShape("Gemma-3-4B", 2560, 34, 10240, 8, 4, 256, vocab=262208, tied=True)
GEMMA3_12B = ModelShape("Gemma-3-12B", 3840, 48, 15360, 16, 8, 256, vocab=262208, tied=True)

TABLE = Settings(method="lora", sequence_len=512, micro_batch_size=1, lora_rank=16)
QTABLE = Settings(method="qlora", sequence_len=512, micro_batch_size=1, lora_rank=16)
STRIX_LORA = Settings(
    method="lora",
    sequence_len=512,
    micro_batch_size=4,
    gradient_checkpointing=False,
    lora_rank=16,
    attention="eager",
)
STRIX_QLORA = Settings(
    method="qlora",
    sequence_len=512,
    micro_batch_size=4,
    gradient_checkpointing=True,
    lora_rank=16,
    attention="eager",
    optimizer="adamw_8bit",
    upcast_frozen=True,
)
QLORA_PAPER = Settings(method="qlora", sequence_len=512, micro_batch_size=1, lora_rank=64)


@dataclass(frozen=True)
class Case:
    label: str
    shape: ModelShape
    settings: Settings
    figures: dict[str, float]  # source -> published GB


CASES = [
    Case("7B LoRA", LLAMA2_7B, TABLE, {"LLaMA-Factory": 16, "Unsloth": 19}),
    Case("14B LoRA", QWEN25_14B, TABLE, {"LLaMA-Factory": 32, "Unsloth": 33}),
    Case("30B LoRA", LLAMA_33B, TABLE, {"LLaMA-Factory": 64}),
    Case("32B LoRA", QWEN25_32B, TABLE, {"Unsloth": 76}),
    Case("70B LoRA", LLAMA3_70B, TABLE, {"LLaMA-Factory": 160, "Unsloth": 164}),
    Case("7B QLoRA", LLAMA2_7B, QTABLE, {"LLaMA-Factory": 6, "Unsloth": 5}),
    Case("14B QLoRA", QWEN25_14B, QTABLE, {"LLaMA-Factory": 12, "Unsloth": 8.5}),
    Case("30B QLoRA", LLAMA_33B, QTABLE, {"LLaMA-Factory": 24}),
    Case("32B QLoRA", QWEN25_32B, QTABLE, {"Unsloth": 26}),
    Case("70B QLoRA", LLAMA3_70B, QTABLE, {"LLaMA-Factory": 48, "Unsloth": 41}),
    Case("65B QLoRA r64", LLAMA_65B, QLORA_PAPER, {"QLoRA paper (one 48 GB GPU)": 48}),
    Case("Gemma-3 12B LoRA", GEMMA3_12B, STRIX_LORA, {"Strix Halo": 67}),
    Case("Gemma-3 12B QLoRA", GEMMA3_12B, STRIX_QLORA, {"Strix Halo": 26}),
    Case("Gemma-3 4B LoRA", GEMMA3_4B, STRIX_LORA, {"Strix Halo": 30}),
    Case("Gemma-3 4B QLoRA", GEMMA3_4B, STRIX_QLORA, {"Strix Halo": 13}),
]


def _passes(value: float, figures: dict[str, float]) -> bool:
    low, high = min(figures.values()), max(figures.values())
    inside = low <= value <= high
    return inside or any(abs(value - figure) <= 0.2 * figure for figure in figures.values())


def test_estimates_match_published_figures() -> None:
    rows, failed = [], []
    for case in CASES:
        value = estimate(case.shape, case.settings).total
        published = ", ".join(f"{src} {gb:g}" for src, gb in case.figures.items())
        nearest = min(case.figures.values(), key=lambda figure: abs(value - figure))
        ok = _passes(value, case.figures)
        rows.append(
            f"{case.label:<20} {value:7.1f} GB  {100 * (value - nearest) / nearest:+5.0f}%  "
            f"{'ok ' if ok else 'OFF'}  {published}"
        )
        if not ok:
            failed.append(case.label)
    print("\n" + "\n".join(rows))
    assert not failed, failed


def test_catalogue_parameter_counts() -> None:
    """Parameter counts of the catalogue's shapes against the models' published sizes."""
    published = {
        "qwen3-0.6b": 0.6e9,
        "qwen3-1.7b": 1.7e9,
        "qwen3-4b": 4.0e9,
        "qwen3-8b": 8.2e9,
        "qwen3-14b": 14.8e9,
        "qwen3-32b": 32.8e9,
        "qwen3-30b-a3b": 30.5e9,
        "qwen3-next-80b-a3b": 80e9,
    }
    for name, count in published.items():
        assert abs(CATALOGUE[name].parameters() - count) / count < 0.03, name


def test_lora_parameters_match_peft_count() -> None:
    """PEFT reports 68,812,800 trainable parameters for Qwen2.5-14B with r=16 on all linear layers."""
    assert lora_parameters(QWEN25_14B, 16) == 68_812_800


@pytest.mark.parametrize("method", ["lora", "qlora", "full"])
def test_estimate_grows_with_tokens_and_shrinks_with_checkpointing(method: str) -> None:
    shape = CATALOGUE["qwen3-8b"]
    small = estimate(shape, Settings(method=method, sequence_len=512))
    long = estimate(shape, Settings(method=method, sequence_len=2048))
    plain = estimate(
        shape, Settings(method=method, sequence_len=2048, gradient_checkpointing=False)
    )
    assert small.total < long.total < plain.total


def test_qlora_stores_about_a_quarter_of_the_weights() -> None:
    shape = CATALOGUE["qwen3-32b"]
    lora, qlora = estimate(shape, Settings()), estimate(shape, Settings(method="qlora"))
    assert 0.25 < qlora.weights / lora.weights < 0.35  # 16-bit embeddings stay


def test_liger_keeps_chunks_of_the_logits_not_all_of_them() -> None:
    """Liger's fused linear + cross-entropy (arXiv 2410.10989): chunks of
    2^ceil(log2(ceil(tokens / ceil(V / H)))) tokens; its SwiGLU and RMSNorm keep less too."""
    shape = CATALOGUE["qwen3-8b"]  # V 151,936, H 4096: chunks of 128 tokens for 4 x 1024
    plain = estimate(shape, Settings(sequence_len=1024, micro_batch_size=4))
    liger = estimate(shape, Settings(sequence_len=1024, micro_batch_size=4, liger=True))
    tokens = 4 * 1024
    assert plain.logits == pytest.approx(tokens * shape.vocab * (2 + 12) / 1e9)
    chunk = 128 * shape.vocab * (2 + 8) + tokens * shape.hidden * 4
    assert liger.logits == pytest.approx(chunk / 1e9)
    assert liger.logits < plain.logits / 20 and liger.activations < plain.activations
    assert liger.weights == plain.weights and liger.trainable == plain.trainable


@pytest.mark.parametrize("gpus", [4, 8, 16])
def test_zero3_model_states_match_deepspeeds_own_estimate(gpus: int) -> None:
    """DeepSpeed's estimate_zero3_model_states_mem_needs (no offload): per GPU
    4 x largest layer's parameters + 18 x parameters / GPUs, in bytes."""
    shape = CATALOGUE["qwen3-32b"]
    full = estimate(shape, Settings(method="full", shards=gpus))
    layer = (shape.parameters() - shape.embedding_parameters()) / shape.layers
    deepspeed = (4 * layer + 18 * shape.parameters() / gpus) / 1e9
    assert full.weights + full.trainable == pytest.approx(deepspeed, rel=0.01)
    lora, sharded = estimate(shape, Settings()), estimate(shape, Settings(shards=gpus))
    assert sharded.weights == pytest.approx(lora.weights / gpus + 4 * layer / 1e9)
    assert sharded.activations == lora.activations  # activations stay on each GPU
