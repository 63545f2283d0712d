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
    print(
        json.dumps(
            {
                "model_type": model.config.model_type,
                "parameters": sum(p.numel() for p in model.parameters()),
                "vocab_size": int(model.config.vocab_size),
                "tokenizer_size": len(tokenizer),
                "chat_template": bool(tokenizer.chat_template),
                "tied_embeddings": bool(getattr(model.config, "tie_word_embeddings", False)),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
