"""GGUF helpers that run inside the llama.cpp runtime env (llama-cpp-python, numpy).

    python gguf_tool.py quantize SRC DST TYPE      # Q8_0, Q4_K_M, ... through llama.cpp's API
    python gguf_tool.py logits GGUF REFERENCE_NPZ  # compare with a Hugging Face model's logits
    python gguf_tool.py info GGUF                  # vocabulary size, embedding rows, metadata
    python gguf_tool.py stamp SRC DST JSON         # copy SRC to DST with seshat.* string keys added

Each prints one JSON line on stdout.
"""

from __future__ import annotations

import json
import sys


def quantize(src: str, dst: str, kind: str) -> dict:
    """Quantize ``src`` into ``dst`` (``kind`` names a ``LLAMA_FTYPE_MOSTLY_*`` type)."""
    import llama_cpp

    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind.upper()}", None)
    if ftype is None:
        known = sorted(
            n[len("LLAMA_FTYPE_MOSTLY_") :]
            for n in dir(llama_cpp)
            if n.startswith("LLAMA_FTYPE_MOSTLY_")
        )
        raise SystemExit(f"unknown quantization {kind!r}; llama.cpp knows: {', '.join(known)}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    code = llama_cpp.llama_model_quantize(src.encode(), dst.encode(), params)
    if code != 0:
        raise SystemExit(f"llama_model_quantize returned {code}")
    return {"quantized": dst, "type": kind}


def logits(gguf: str, reference: str) -> dict:
    """Largest absolute logit difference between the GGUF and the reference, per text."""
    import numpy as np
    from llama_cpp import Llama

    ref = np.load(reference)
    count = len([k for k in ref.files if k.startswith("ids_")])
    longest = max(len(ref[f"ids_{k}"]) for k in range(count))
    # f32 KV cache (type 0): an f16 cache alone would differ by ~1e-2
    llm = Llama(
        model_path=gguf,
        n_ctx=max(64, longest + 8),
        logits_all=True,
        verbose=False,
        type_k=0,
        type_v=0,
        n_threads=None,
        seed=0,
    )
    diffs, largest = [], 0.0
    for k in range(count):
        ids = [int(t) for t in ref[f"ids_{k}"]]
        llm.reset()
        llm.eval(ids)
        got = np.asarray(llm.scores[: len(ids)], dtype=np.float32)
        want = ref[f"logits_{k}"]
        if got.shape != want.shape:
            return {"error": f"shape {got.shape} vs {want.shape}", "n_vocab": llm.n_vocab()}
        diffs.append(float(np.abs(got - want).max()))
        largest = max(largest, float(np.abs(want).max()))
    return {
        "max_abs_diff": max(diffs),
        "per_text": diffs,
        "max_abs_logit": largest,
        "n_vocab": llm.n_vocab(),
    }


def info(gguf: str) -> dict:
    """Architecture, vocabulary size, embedding rows and chat template of a GGUF file."""
    from gguf import GGUFReader  # llama.cpp's own gguf-py (on PYTHONPATH)

    reader = GGUFReader(gguf)
    fields = {}
    for name in (
        "general.architecture",
        "general.name",
        "tokenizer.ggml.model",
        "tokenizer.ggml.pre",
    ):
        field = reader.fields.get(name)
        if field is not None:
            fields[name] = bytes(field.parts[field.data[0]]).decode("utf-8", "replace")
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    rows = next((int(t.shape[-1]) for t in reader.tensors if t.name == "token_embd.weight"), None)
    return {
        "metadata": fields,
        "n_vocab": len(tokens.data) if tokens is not None else None,
        "embedding_rows": rows,
        "has_chat_template": "tokenizer.chat_template" in reader.fields,
        "tensors": len(reader.tensors),
    }


def stamp(src: str, dst: str, values: str) -> dict:
    """Copy a GGUF with string keys added (``{"seshat.access_level": "community", ...}``).

    Every key and tensor of ``src`` is written again as it is; keys of the same names are replaced.
    """
    import gguf  # llama.cpp's own gguf-py (on PYTHONPATH)

    added = json.loads(values)
    reader = gguf.GGUFReader(src)
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = gguf.GGUFWriter(dst, arch=arch, endianess=reader.endianess)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # written by the writer itself
        if field.name in added:
            continue
        kind = field.types[0]
        sub = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), kind, sub_type=sub)
    for key, value in added.items():
        writer.add_key_value(key, str(value), gguf.GGUFValueType.STRING)
    for tensor in reader.tensors:
        writer.add_tensor_info(
            tensor.name,
            tensor.data.shape,
            tensor.data.dtype,
            tensor.data.nbytes,
            tensor.tensor_type,
        )
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for tensor in reader.tensors:
        writer.write_tensor_data(tensor.data)
    writer.close()
    return {"stamped": dst, "keys": sorted(added)}


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    result = {"quantize": quantize, "logits": logits, "info": info, "stamp": stamp}[command](*args)
    print(json.dumps(result))
