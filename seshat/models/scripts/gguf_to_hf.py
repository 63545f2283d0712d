"""Turn a GGUF file into a Hugging Face model folder (run inside a backend env: torch, transformers).

    python gguf_to_hf.py MODEL.gguf OUT_DIR

transformers reads the GGUF (``gguf_file=``): it dequantizes the weights to float32 and rebuilds
the tokenizer and chat template from the file's metadata. The quantizer it attaches is dropped
before saving, so that the folder is an ordinary float model (safetensors) that the trainers,
peft and llama.cpp's converter all read. Prints one JSON line: what was written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main(gguf: str, out: str) -> None:
    """Load ``gguf`` with transformers and save it as safetensors + tokenizer into ``out``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(gguf)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=path.name, dtype=torch.float32
    )
    # the weights are already dequantized; the GGUF "quantizer" would make save_pretrained refuse
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.torch_dtype = torch.float32
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    repaired = repair_tokenizer(path, Path(out))
    tokenizer = AutoTokenizer.from_pretrained(out)
    sample = "".join(SAMPLE.split())
    pieces = tokenizer(SAMPLE, add_special_tokens=False)["input_ids"]
    print(
        json.dumps(
            {
                "model_type": model.config.model_type,
                "parameters": sum(p.numel() for p in model.parameters()),
                "vocab_size": int(model.config.vocab_size),
                "tokenizer_size": len(tokenizer),
                "chat_template": bool(tokenizer.chat_template),
                "tied_embeddings": bool(getattr(model.config, "tie_word_embeddings", False)),
                "tokenizer_repairs": repaired,
                "letters_per_token": round(len(sample) / max(1, len(pieces)), 2),
            }
        ),
        flush=True,
    )


# what the rebuilt tokenizer is tried on: SmolLM2 takes 2.6 letters a token here, the Gemma
# vocabulary transformers rebuilds from a GGUF 0.8
SAMPLE = (
    "The river carries the canoe past the village before the rains begin. "
    "El río lleva la canoa más allá del pueblo antes de que empiecen las lluvias."
)


def _field(reader: Any, key: str) -> Any:
    """One scalar or string field of a GGUF's metadata (None when absent)."""
    field = reader.fields.get(key)
    if field is None:
        return None
    value = field.parts[field.data[0]]
    return bytes(value).decode("utf-8") if key.endswith((".model", ".pre")) else int(value[0])


def token_ids(data: dict[str, Any]) -> dict[int, str]:
    """Each token of a ``tokenizer.json`` by its id, added tokens included.

    A BPE or WordPiece vocabulary maps token to id; a Unigram one (SentencePiece: Gemma, T5...)
    is a list of ``[token, score]`` whose position is the id.
    """
    vocab = data["model"]["vocab"]
    found = (
        {n: row[0] for n, row in enumerate(vocab)}
        if isinstance(vocab, list)
        else {token_id: token for token, token_id in vocab.items()}
    )
    return found | {t["id"]: t["content"] for t in data.get("added_tokens", [])}


def repair_tokenizer(gguf: Path, out: Path) -> list[str]:
    """Make a byte-level BPE tokenizer rebuilt from a GGUF what it was before the GGUF.

    transformers rebuilds a GGUF ``gpt2`` (byte-level BPE) vocabulary with SentencePiece-style
    byte fallback and decoder, and can take the wrong special token as end of sequence. llama.cpp's
    converter then reads the folder as a SentencePiece vocabulary, and the GGUF it writes aborts
    on the first non-ASCII character (``niño``). Encoding is the same either way; the fix restores
    the byte-level decoder and the GGUF's own bos/eos tokens.
    """
    import gguf as gguf_py

    reader = gguf_py.GGUFReader(str(gguf))
    repairs = []
    tokenizer_file, config_file = out / "tokenizer.json", out / "tokenizer_config.json"
    data = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    if _field(reader, "tokenizer.ggml.model") == "gpt2" and data["model"].get("type") == "BPE":
        if data["model"].get("byte_fallback"):
            data["model"]["byte_fallback"] = False
            repairs.append("byte_fallback off")
        level = {
            "type": "ByteLevel",
            "add_prefix_space": True,
            "trim_offsets": True,
            "use_regex": True,
        }
        if data.get("decoder") != level:
            data["decoder"] = level
            repairs.append("byte-level decoder")
        tokenizer_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    vocab = token_ids(data)
    config = json.loads(config_file.read_text(encoding="utf-8"))
    for role in ("bos", "eos"):
        token_id = _field(reader, f"tokenizer.ggml.{role}_token_id")
        if (
            token_id is not None
            and token_id in vocab
            and config.get(f"{role}_token") != vocab[token_id]
        ):
            config[f"{role}_token"] = vocab[token_id]
            config[f"{role}_token_id"] = token_id
            repairs.append(f"{role} token {vocab[token_id]}")
    config_file.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    return repairs


if __name__ == "__main__":
    main(*sys.argv[1:3])
