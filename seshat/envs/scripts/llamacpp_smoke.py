"""The llama.cpp runtime's smoke test, run inside its env (llama-cpp-python).

    python llamacpp_smoke.py quantize SRC DST TYPE   # requantize a GGUF (Q4_1 -> Q8_0, ...)
    python llamacpp_smoke.py generate GGUF TOKENS    # load it and generate TOKENS tokens

Each prints one JSON line on stdout. ``generate`` is run once per quantization type, in its own
process, so that a crash in one type's kernels is caught and named by the caller.
"""

from __future__ import annotations

import json
import sys
import time


def quantize(src: str, dst: str, kind: str) -> dict:
    """Requantize ``src`` into ``dst`` (allowed from an already quantized file)."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind}")
    params.allow_requantize = True
    code = llama_cpp.llama_model_quantize(src.encode(), dst.encode(), params)
    if code != 0:
        raise SystemExit(f"llama_model_quantize returned {code}")
    return {"quantized": dst, "type": kind}


def generate(gguf: str, tokens: str) -> dict:
    """Greedy generation of ``tokens`` tokens: the path that crashes when a kernel is broken."""
    from llama_cpp import Llama

    started = time.perf_counter()
    llm = Llama(model_path=gguf, n_ctx=256, verbose=False, seed=0)
    out = llm.create_completion(
        "The capital of France is", max_tokens=int(tokens), temperature=0.0, top_k=1
    )
    return {
        "text": out["choices"][0]["text"],
        "tokens": out["usage"]["completion_tokens"],
        "seconds": round(time.perf_counter() - started, 3),
        "system_info": __import__("llama_cpp").llama_print_system_info().decode(),
    }


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    result = {"quantize": quantize, "generate": generate}[command](*args)
    print(json.dumps(result))
