"""Logits of a Hugging Face model on sample texts (run inside a backend env: torch, transformers).

    python hf_logits.py MODEL_DIR TEXTS_JSON OUT_NPZ

Writes ``OUT_NPZ`` with ``ids_<k>`` (token ids) and ``logits_<k>`` (float32, one row per token)
for each text, and prints one JSON line: the vocabulary and embedding sizes.
"""

from __future__ import annotations

import json
import sys


def main(model_dir: str, texts_json: str, out: str) -> None:
    """Tokenise each text (at most 64 tokens), run the model in float32, save ids and logits."""
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with open(texts_json, encoding="utf-8") as handle:
        texts = json.load(handle)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    arrays = {}
    with torch.no_grad():
        for k, text in enumerate(texts):
            ids = tokenizer(text, add_special_tokens=True)["input_ids"][:64]
            logits = model(torch.tensor([ids])).logits[0].float().numpy()
            arrays[f"ids_{k}"] = np.asarray(ids, dtype=np.int32)
            arrays[f"logits_{k}"] = logits
    np.savez(out, **arrays)
    embeddings = model.get_input_embeddings().weight.shape[0]
    print(
        json.dumps(
            {
                "config_vocab_size": int(model.config.vocab_size),
                "embedding_rows": int(embeddings),
                "tokenizer_size": len(tokenizer),
                "parameters": sum(p.numel() for p in model.parameters()),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
