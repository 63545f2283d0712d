"""Greedy generation with transformers (run inside a backend env: torch, transformers, peft).

    python generate_hf.py MODEL IN_JSONL OUT_JSONL [--adapter DIR] [--batch N] [--max-tokens N]

``MODEL`` is a base model or a merged model folder; ``--adapter`` adds a LoRA adapter on top.
Same input and output lines as ``generate_llamacpp.py`` (each item's own ``max_tokens``, the
same repetition guard, applied to the decoded answer); batches are left-padded.
"""

from __future__ import annotations

import argparse
import json
import re
import time

from repetition import guard

THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


def main() -> None:
    """Answer every chat of the input file in batches, appending to the output file."""
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("inputs")
    parser.add_argument("outputs")
    parser.add_argument("--adapter", default=None)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    if args.adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, args.adapter)
    model.eval()
    # what ends an answer: the tokenizer's end, padding, and the model's own stop tokens (a
    # Gemma turn ends with <end_of_turn>)
    stops = {tokenizer.eos_token_id, tokenizer.pad_token_id}
    configured = model.generation_config.eos_token_id
    stops |= {configured} if isinstance(configured, int) else set(configured or [])
    with open(args.inputs, encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    print(f"loaded {len(items)}", flush=True)
    with open(args.outputs, "a", encoding="utf-8") as out:
        for start in range(0, len(items), args.batch):
            batch = items[start : start + args.batch]
            began = time.perf_counter()
            prompts = [
                tokenizer.apply_chat_template(
                    item["messages"],
                    add_generation_prompt=True,
                    tokenize=False,
                    enable_thinking=False,
                )
                for item in batch
            ]
            encoded = tokenizer(
                prompts, return_tensors="pt", padding=True, add_special_tokens=False
            )
            limits = [int(item.get("max_tokens") or args.max_tokens) for item in batch]
            with torch.no_grad():
                generated = model.generate(
                    **encoded,
                    max_new_tokens=max(limits),
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                )
            new = generated[:, encoded["input_ids"].shape[1] :]
            seconds = (time.perf_counter() - began) / len(batch)
            for k, (item, limit) in enumerate(zip(batch, limits, strict=True)):
                ids = new[k][:limit].tolist()
                ended = bool(stops & set(ids))
                answer, hit = guard(
                    THINK.sub("", tokenizer.decode(ids, skip_special_tokens=True)).strip()
                )
                row = {
                    "id": item["id"],
                    "output": answer,
                    "stopped": "repetition" if hit else "end" if ended else "limit",
                    "seconds": round(seconds, 4),
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                print("done", flush=True)
            out.flush()


if __name__ == "__main__":
    main()
