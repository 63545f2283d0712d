"""Peak training memory of one process, from the model's shape and the run's settings.

The estimate adds what a Hugging Face Trainer run (Axolotl and LLaMA-Factory both are one) holds at
its peak, the backward pass of the first optimizer step:

* weights: 2 bytes per parameter in bf16/fp16, 4 in fp32; QLoRA stores the decoder's linear layers
  in NF4 with double quantization (4.127 bits per parameter) and keeps embeddings in 16 bits, and
  dequantizes one layer at a time;
* trainable parameters: LoRA adapters (rank x (in + out) per adapted linear layer) or every weight
  (full), each with its fp32 copy, gradient and AdamW's two moments (2 bytes for 8-bit optimizers);
  trained embedding rows (after a vocabulary extension) count as trainable;
* activations per token and layer: with gradient checkpointing only each layer's input is kept, plus
  one layer's worth while it is recomputed; without it, every tensor the backward pass needs
  (norms in fp32, q/k/v, attention output, the SwiGLU's four intermediate tensors, LoRA's dropout
  copies). Attention runs through SDPA, so no sequence x sequence matrix is kept;
* logits: vocabulary x tokens in the compute dtype, its fp32 upcast and log-softmax for the loss,
  and the fp32 gradient;
* runtime: the framework's context and allocator slack (a fixed part and 10 % of activations).

Throughput features change it where they change what is kept (``seshat/plan/speedups.py``):

* Liger Kernel (Hsu et al. 2024, arXiv 2410.10989): its fused linear + cross-entropy never holds
  the whole logits; it works through chunks of ``2^ceil(log2(ceil(tokens / ceil(vocab /
  hidden))))`` tokens, each chunk's logits in the compute dtype with an fp32 upcast and gradient,
  plus the fp32 gradient of the hidden states. Its SwiGLU recomputes ``act(gate)`` in the backward
  pass (one intermediate tensor fewer), its RMSNorm keeps one fp32 number per row, not an fp32
  copy of the row. Its RoPE kernel saves time, not memory (not modelled);
* DeepSpeed ZeRO-3 over ``shards`` GPUs: weights, gradients and optimizer state are split evenly;
  each GPU gathers one decoder layer's full weights at a time, and the next one ahead of use
  (prefetch): two layers' worth. Activations and logits stay per GPU. Full fine-tuning counts
  DeepSpeed's own figure for its model states, 18 bytes a parameter (its
  ``estimate_zero3_model_states_mem_needs``: 16-bit weights and gradients, the fp32 master copy
  and Adam's two moments, and buffers), where one GPU without DeepSpeed needs 12;
* sample packing changes nothing here: a packed row holds ``sequence_len`` tokens, the size the
  estimate always assumes (unpacked rows are padded only to their batch's longest example, so
  they usually stay below it);
* Axolotl's LoRA kernels, Unsloth and FlashAttention 2 are not modelled (each keeps no more than
  the plain path; Unsloth reports less: the estimate stays on the safe side).

It is a planning estimate, checked against published figures in ``tests/test_memory_estimate.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seshat.plan.catalogue import ModelShape

GB = 1e9
NF4_BYTES = 4.127 / 8  # NF4 weights + double-quantized block constants (blocksize 64)
RUNTIME_GB = 1.0
ALLOCATOR_SLACK = 0.10
LOSS_BYTES = 12  # per logit: fp32 upcast, fp32 log-softmax, fp32 gradient
OPTIMIZER_BYTES = {"adamw": 8.0, "adamw_8bit": 2.0, "sgd": 0.0}
ZERO3_FULL_BYTES = 18  # DeepSpeed's estimate of ZeRO-3 model states per parameter (full tuning)


@dataclass(frozen=True)
class Settings:
    """What a run does, as far as memory is concerned."""

    method: str = "lora"  # lora | qlora | full
    sequence_len: int = 2048
    micro_batch_size: int = 1
    gradient_checkpointing: bool = True
    precision: str = "bf16"  # bf16 | fp16 | fp32: the dtype weights are loaded and computed in
    lora_rank: int = 64
    lora_dropout: bool = True
    lora_on_experts: bool = True
    optimizer: str = "adamw"  # adamw | adamw_8bit | sgd
    train_embeddings: bool = False
    attention: str = "sdpa"  # sdpa | eager (eager keeps heads x sequence^2 attention weights)
    upcast_frozen: bool = False  # PEFT's prepare_model_for_kbit_training: 16-bit weights -> fp32
    liger: bool = False  # Liger's fused linear + cross-entropy, SwiGLU and RMSNorm
    shards: int = 1  # GPUs DeepSpeed ZeRO-3 splits weights, gradients and optimizer state over


@dataclass(frozen=True)
class Estimate:
    """Peak memory in GB, by part."""

    weights: float
    trainable: float
    activations: float
    logits: float
    runtime: float
    trainable_parameters: int

    @property
    def total(self) -> float:
        """Peak memory in GB."""
        return self.weights + self.trainable + self.activations + self.logits + self.runtime

    def parts(self) -> dict[str, float]:
        """Each part in GB, rounded, and the total."""
        values = {
            "weights": self.weights,
            "trainable": self.trainable,
            "activations": self.activations,
            "logits": self.logits,
            "runtime": self.runtime,
            "total": self.total,
        }
        return {key: round(value, 2) for key, value in values.items()}


def _element_bytes(precision: str) -> int:
    return 4 if precision == "fp32" else 2


def lora_parameters(shape: ModelShape, rank: int, *, on_experts: bool = True) -> int:
    """Adapter parameters of LoRA on every linear layer of the decoder (``all-linear``)."""
    linears = shape.attention_linears() + shape.mlp_linears(experts=on_experts)
    return sum(rank * (i + o) * count for i, o, count in linears)


def _weights_bytes(shape: ModelShape, settings: Settings) -> float:
    element = _element_bytes(settings.precision)
    embeddings = shape.embedding_parameters()
    body = shape.parameters() - embeddings
    if settings.method != "qlora":
        return (body + embeddings) * element
    largest = max(i * o for i, o, _ in shape.attention_linears() + shape.mlp_linears())
    kept = 4 if settings.upcast_frozen else element
    return body * NF4_BYTES + embeddings * kept + largest * element


def _trainable(shape: ModelShape, settings: Settings) -> tuple[int, float]:
    """Trainable parameter count and the bytes of their fp32 copy, gradient and optimizer state."""
    optimizer = OPTIMIZER_BYTES.get(settings.optimizer, 8.0)
    if settings.method == "full":
        count = shape.parameters()
        # bf16 weights are counted above; their gradient (same dtype) and the optimizer's moments.
        return count, count * (_element_bytes(settings.precision) + optimizer)
    count = lora_parameters(shape, settings.lora_rank, on_experts=settings.lora_on_experts)
    if settings.train_embeddings:
        # PEFT's modules_to_save trains a copy of the embedding (and output head).
        count += shape.embedding_parameters()
    return count, count * (4 + 4 + optimizer)


def _layer_activation_bytes(shape: ModelShape, settings: Settings) -> float:
    """Bytes one token keeps for the backward pass of one decoder layer (no checkpointing)."""
    element = _element_bytes(settings.precision)
    h = shape.hidden
    queries = shape.heads * shape.head_dim
    keys_values = 2 * shape.kv_heads * shape.head_dim
    width = shape.active_mlp_width()
    attention = 2 * h + 2 * queries + keys_values  # norm in/out, q, k, v, attention output
    # norm in/out, gate, up, act(gate), act(gate) * up; Liger's SwiGLU recomputes act(gate)
    mlp = 2 * h + (3 if settings.liger else 4) * width
    # + residual; the two norms keep fp32 copies of their rows (Liger's: one fp32 number per row)
    norms = 2 * 4 if settings.liger else 2 * h * 4
    stored = (attention + mlp + h) * element + norms
    if settings.method != "full":
        adapted_inputs = 3 * h + queries + 2 * h + width
        if settings.lora_dropout:
            stored += adapted_inputs * element
        stored += 7 * settings.lora_rank * element
    if shape.is_moe:
        stored += shape.experts * 4 + shape.experts_per_token * 8  # router logits and choices
    if settings.attention == "eager":
        # softmax output in fp32 and its cast to the compute dtype, per head and key position
        share = shape.full_attention_layers / shape.layers
        stored += share * shape.heads * settings.sequence_len * (4 + element)
    return stored


def _logits_bytes(shape: ModelShape, settings: Settings, tokens: int) -> float:
    """The logits and their loss copies: all at once, or Liger's chunks."""
    element = _element_bytes(settings.precision)
    if not settings.liger:
        return tokens * shape.vocab * (element + LOSS_BYTES)
    # Liger's fused linear + cross-entropy: chunks of 2^ceil(log2(ceil(tokens / ceil(V / H))))
    # tokens; each chunk's logits (compute dtype, fp32 upcast, fp32 gradient), and the fp32
    # gradient of every token's hidden state
    chunk = 2 ** math.ceil(
        math.log2(max(1, math.ceil(tokens / math.ceil(shape.vocab / shape.hidden))))
    )
    return min(tokens, chunk) * shape.vocab * (element + 8) + tokens * shape.hidden * 4


def _layer_bytes(shape: ModelShape, settings: Settings) -> float:
    """One decoder layer's weights as stored (16-bit, fp32 on CPU, NF4 for QLoRA)."""
    body = (shape.parameters() - shape.embedding_parameters()) / shape.layers
    per = NF4_BYTES if settings.method == "qlora" else _element_bytes(settings.precision)
    return body * per


def estimate(shape: ModelShape, settings: Settings) -> Estimate:
    """Peak training memory of ``shape`` under ``settings``.

    Args:
        shape: The model's sizes.
        settings: Method, sequence length, micro-batch, checkpointing, precision, LoRA rank.

    Returns:
        The estimate by part, in GB.
    """
    tokens = settings.sequence_len * settings.micro_batch_size
    element = _element_bytes(settings.precision)
    per_layer = _layer_activation_bytes(shape, settings)
    if settings.gradient_checkpointing:
        activations = tokens * (shape.layers * shape.hidden * element + per_layer)
    else:
        activations = tokens * shape.layers * per_layer
    logits = _logits_bytes(shape, settings, tokens)
    count, trainable = _trainable(shape, settings)
    weights = _weights_bytes(shape, settings)
    if settings.shards > 1:  # ZeRO-3: an even share of each, plus two gathered layers
        if settings.method == "full":
            trainable = (ZERO3_FULL_BYTES * count - weights) if count else trainable
        weights = weights / settings.shards + 2 * _layer_bytes(shape, settings)
        trainable = trainable / settings.shards
    return Estimate(
        weights=weights / GB,
        trainable=trainable / GB,
        activations=activations / GB,
        logits=logits / GB,
        runtime=RUNTIME_GB + ALLOCATOR_SLACK * (activations + logits) / GB,
        trainable_parameters=count,
    )
