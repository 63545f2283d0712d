"""Greedy generation with a GGUF through llama-cpp-python (run inside the llama.cpp runtime env).

    python generate_llamacpp.py GGUF IN_JSONL OUT_JSONL [--max-tokens N] [--threads N]

``IN_JSONL`` lines are ``{"id", "messages", "max_tokens"?}`` (the chat up to the answer, and its
own limit). Each answer is appended to ``OUT_JSONL`` as soon as it is made (``{"id", "output",
"stopped", "seconds"}``; ``stopped``: end, limit or repetition), so an interrupted run keeps what
it did. A word repeated REPEATS times in a row stops the answer (the repeats are cut). The
prompt is the GGUF's own chat template rendered with thinking switched off (Qwen3),
exactly as the model was trained; a leading ``<think>...</think>`` block is removed from answers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

from repetition import guard

THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


def render_prompt(template: str, messages: list[dict], bos: str, eos: str) -> str:
    """The chat template as transformers renders it (``add_generation_prompt``, no thinking)."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, loader=jinja2.BaseLoader()
    )

    def raise_exception(message: str) -> None:
        raise jinja2.TemplateError(message)

    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(
        messages=messages,
        add_generation_prompt=True,
        enable_thinking=False,
        bos_token=bos,
        eos_token=eos,
    )


def main() -> None:
    """Answer every chat of the input file, appending to the output file."""
    parser = argparse.ArgumentParser()
    parser.add_argument("gguf")
    parser.add_argument("inputs")
    parser.add_argument("outputs")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--n-ctx", type=int, default=2048)
    args = parser.parse_args()

    from llama_cpp import Llama

    llm = Llama(
        model_path=args.gguf, n_ctx=args.n_ctx, n_threads=args.threads, verbose=False, seed=0
    )
    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        sys.exit(
            f"{args.gguf} has no chat template (tokenizer.chat_template): export it from a model that has one"
        )
    bos = (
        llm.detokenize([llm.token_bos()], special=True).decode("utf-8", "replace")
        if llm.token_bos() >= 0
        else ""
    )
    eos = llm.detokenize([llm.token_eos()], special=True).decode("utf-8", "replace")
    with open(args.inputs, encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    print(f"loaded {len(items)}", flush=True)
    with open(args.outputs, "a", encoding="utf-8") as out:
        for item in items:
            started = time.perf_counter()
            prompt = render_prompt(template, item["messages"], bos, eos)
            starts_with_bos = bool(bos) and prompt.startswith(bos)
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=not starts_with_bos, special=True)
            llm.reset()
            limit = int(item.get("max_tokens") or args.max_tokens)
            text, stopped = "", "end"
            for chunk in llm.create_completion(
                tokens, max_tokens=limit, temperature=0.0, top_k=1, stream=True
            ):
                choice = chunk["choices"][0]
                text += choice["text"]
                if choice.get("finish_reason") == "length":
                    stopped = "limit"
                text, hit = guard(text) if "<think>" not in text else (text, False)
                if hit:
                    stopped = "repetition"
                    break
            text = THINK.sub("", text).strip()
            row = {
                "id": item["id"],
                "output": text,
                "stopped": stopped,
                "seconds": round(time.perf_counter() - started, 4),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            print("done", flush=True)


if __name__ == "__main__":
    main()
