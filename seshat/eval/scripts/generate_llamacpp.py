"""Greedy generation with a GGUF through llama-cpp-python (run inside the llama.cpp runtime env).

    python generate_llamacpp.py GGUF IN_JSONL OUT_JSONL [--max-tokens N] [--threads N]
        [--parallel N]

``IN_JSONL`` lines are ``{"id", "messages", "max_tokens"?}`` (the chat up to the answer, and its
own limit). Each answer is appended to ``OUT_JSONL`` as soon as it is made (``{"id", "output",
"stopped", "seconds"}``; ``stopped``: end, limit or repetition), so an interrupted run keeps what
it did. A word repeated REPEATS times in a row stops the answer (the repeats are cut). The
prompt is the GGUF's own chat template rendered with thinking switched off (Qwen3),
exactly as the model was trained; a leading ``<think>...</think>`` block is removed from answers.

With ``--parallel N`` (N > 1), N chats are decoded together, one llama.cpp sequence each, in one
batch per step (a finished sequence's slot takes the next chat): the weights are read once per
step for N tokens instead of once per token. Greedy answers can differ from one-at-a-time ones
where two tokens nearly tie (a batched matrix product rounds differently from a single one); an
answer's ``seconds`` is then its share of the wall time (since the answer before it).
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
    parser.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args()

    from llama_cpp import Llama

    llm = Llama(
        model_path=args.gguf,
        n_ctx=args.n_ctx if args.parallel <= 1 else 256,  # batched: its own context (below)
        n_threads=args.threads,
        n_threads_batch=args.threads,  # else every core for prompts: two processes then thrash
        verbose=False,
        seed=0,
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
    prompts = [render_prompt(template, item["messages"], bos, eos) for item in items]
    with open(args.outputs, "a", encoding="utf-8") as out:
        if args.parallel > 1 and len(items) > 1:
            batched(llm, items, prompts, bos, out, args)
        else:
            one_at_a_time(llm, items, prompts, bos, out, args)


def _write(out, item: dict, text: str, stopped: str, seconds: float) -> None:
    row = {
        "id": item["id"],
        "output": THINK.sub("", text).strip(),
        "stopped": stopped,
        "seconds": round(seconds, 4),
    }
    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    print("done", flush=True)


def one_at_a_time(llm, items: list[dict], prompts: list[str], bos: str, out, args) -> None:
    """Each chat in turn; the prompt's shared beginning (system prompt) is reused from the cache."""
    for item, prompt in zip(items, prompts, strict=True):
        started = time.perf_counter()
        tokens = llm.tokenize(
            prompt.encode("utf-8"), add_bos=not (bool(bos) and prompt.startswith(bos)), special=True
        )
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
        _write(out, item, text, stopped, time.perf_counter() - started)


class Slot:
    """One chat being answered in the batch: its sequence id, position and answer so far."""

    def __init__(self, seq: int, item: dict, prompt: list[int], limit: int) -> None:
        self.seq, self.item, self.prompt, self.limit = seq, item, prompt, limit
        self.answer: list[int] = []
        self.pos = 0


def batched(llm, items: list[dict], prompts: list[str], bos: str, out, args) -> None:
    """Answer ``args.parallel`` chats at a time in one llama.cpp batch (greedy)."""
    import llama_cpp
    import numpy as np

    width = args.parallel
    params = llama_cpp.llama_context_default_params()
    params.n_ctx = args.n_ctx * width
    params.n_batch = max(512, width)
    params.n_ubatch = params.n_batch
    params.n_seq_max = width
    params.n_threads = params.n_threads_batch = args.threads or 1
    ctx = llama_cpp.llama_init_from_model(llm._model.model, params)
    if ctx is None:
        sys.exit("llama.cpp could not make a context for batched decoding")
    memory = llama_cpp.llama_get_memory(ctx)
    batch = llama_cpp.llama_batch_init(params.n_batch, 0, 1)
    n_vocab = llm.n_vocab()
    vocab = llm._model.vocab

    def decode(rows: list[tuple[int, int, int, bool]]) -> None:
        """Decode ``(token, position, sequence, wants logits)`` rows, at most n_batch at a time."""
        for start in range(0, len(rows), params.n_batch):
            part = rows[start : start + params.n_batch]
            batch.n_tokens = len(part)
            for k, (token, pos, seq, wants) in enumerate(part):
                batch.token[k], batch.pos[k] = token, pos
                batch.n_seq_id[k], batch.seq_id[k][0], batch.logits[k] = 1, seq, wants
            if llama_cpp.llama_decode(ctx, batch) != 0:
                sys.exit("llama.cpp could not decode a batch (context too small?)")

    def next_token(row: int) -> int:
        logits = llama_cpp.llama_get_logits_ith(ctx, row)
        return int(np.ctypeslib.as_array(logits, shape=(n_vocab,)).argmax())

    queue = list(zip(items, prompts, strict=True))
    free, active = list(range(width)), []
    last = [time.perf_counter()]
    try:
        while queue or active:
            while queue and free:  # a free slot takes the next chat: its prompt, decoded alone
                item, prompt = queue.pop(0)
                seq = free.pop(0)
                llama_cpp.llama_memory_seq_rm(memory, seq, -1, -1)
                tokens = llm.tokenize(
                    prompt.encode("utf-8"),
                    add_bos=not (bool(bos) and prompt.startswith(bos)),
                    special=True,
                )
                slot = Slot(seq, item, tokens, int(item.get("max_tokens") or args.max_tokens))
                decode([(t, k, seq, k == len(tokens) - 1) for k, t in enumerate(tokens)])
                slot.pos = len(tokens)
                slot.answer.append(
                    next_token((len(tokens) - 1) % params.n_batch)
                )  # last chunk's row
                active.append(slot)
            finished = []
            for slot in active:
                end = llama_cpp.llama_vocab_is_eog(vocab, slot.answer[-1])
                said = slot.answer[:-1] if end else slot.answer
                text = llm.detokenize(said).decode("utf-8", "ignore")
                cut, hit = guard(text) if "<think>" not in text else (text, False)
                stopped = None
                if end:
                    stopped = "end"
                elif hit:
                    text, stopped = cut, "repetition"
                elif len(slot.answer) >= slot.limit:
                    stopped = "limit"
                if stopped:  # its share of the time: since the answer before it was written
                    now = time.perf_counter()
                    _write(out, slot.item, text, stopped, now - last[0])
                    last[0] = now
                    finished.append(slot)
            for slot in finished:
                active.remove(slot)
                free.append(slot.seq)
            if not active:
                continue
            decode([(s.answer[-1], s.pos, s.seq, True) for s in active])
            for row, slot in enumerate(active):
                slot.pos += 1
                slot.answer.append(next_token(row))
    finally:
        llama_cpp.llama_batch_free(batch)
        llama_cpp.llama_free(ctx)


if __name__ == "__main__":
    main()
