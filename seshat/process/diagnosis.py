"""Explain a failed backend run from the last lines of its logs, for known failure patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# (pattern, explanation, next step). The first match wins.
_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(
            r"out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED|HIP out of memory|std::bad_alloc|"
            r"Cannot allocate memory",
            re.I,
        ),
        "The backend ran out of memory.",
        "lower the memory the run needs: `training.micro_batch_size=1`, a smaller "
        "`training.sequence_len`, `training.gradient_checkpointing=true`, or `training.method=qlora` on a GPU "
        "profile; `seshat plan` shows what fits",
    ),
    (
        re.compile(
            r"Torch not compiled with CUDA|No CUDA GPUs are available|no ROCm-capable device|"
            r"Found no NVIDIA driver|HIP error: invalid device",
            re.I,
        ),
        "The config asks for a GPU that this machine's torch cannot use.",
        "use a CPU profile (`profile=strix-halo-cpu`), or install a GPU env "
        "(`seshat backend install BACKEND --device rocm`)",
    ),
    (
        re.compile(
            r"(FileNotFoundError|No such file or directory|Unable to find|doesn't exist|does not exist|"
            r"not found)[^\n]*(\.jsonl|\.json|dataset|data)",
            re.I,
        ),
        "The backend could not find a data file.",
        "check `data.train` / `data.dev` in seshat.yaml (paths are relative to the project) and write the "
        "splits with `seshat data format`",
    ),
    (
        re.compile(r"(KeyError|ValueError)[^\n]*(messages|role|content|template)", re.I),
        "The backend could not read the chat data with its template.",
        'each line of the training JSONL must be {"messages": [{"role": ..., "content": ...}]}; '
        "check `model.chat_template` too",
    ),
    (
        re.compile(r"ModuleNotFoundError|ImportError", re.I),
        "The backend's environment is missing a package or is broken.",
        "rebuild it with `seshat backend install BACKEND --force`",
    ),
    (
        re.compile(
            r"(OSError|HFValidationError|RepositoryNotFoundError|LocalEntryNotFoundError)[^\n]*"
            r"(model|config\.json|tokenizer|repo)",
            re.I,
        ),
        "The backend could not load the base model or its tokenizer.",
        "check `model.base` (a local folder needs config.json, weights and tokenizer files; a hub id needs "
        "network access and maybe HF_TOKEN)",
    ),
]


def diagnose(
    lines: Iterable[str], backend: str, returncode: int | None = None
) -> tuple[str, str] | None:
    """The explanation and next step for the first known pattern in ``lines``, else None.

    A backend killed by a signal (negative ``returncode``) that Seshat did not send is explained
    by the signal when its output names no cause: SIGKILL is usually the out-of-memory killer.
    """
    text = "\n".join(lines)
    for pattern, explanation, hint in _PATTERNS:
        if pattern.search(text):
            return explanation, hint.replace("BACKEND", backend)
    if returncode is not None and returncode < 0:
        name = _signal_name(-returncode)
        if name == "SIGKILL":
            return (
                "The backend was killed with SIGKILL without a word: usually the kernel's "
                "out-of-memory killer (`dmesg | grep -i oom` tells).",
                _PATTERNS[0][2],
            )
        return f"The backend was killed by {name}.", "find out what sent it; the run can go on"
    return None


# signals a native library dies of by itself (a bug or an instruction this CPU lacks), not sent
CRASH_SIGNALS = ("SIGSEGV", "SIGILL", "SIGBUS", "SIGFPE", "SIGABRT")


def llamacpp_crash(returncode: int, gguf: Path | None, what: str) -> tuple[str, str] | None:
    """Explain a llama.cpp child (export check, eval, serve, translate, demo) that crashed.

    Names the signal, the GGUF file and its type, and the CPU features that decide which of
    llama.cpp's kernels run; the next step is ``seshat doctor``, which runs the runtime's smoke
    test and names the rebuild. None when ``returncode`` is no crash.

    Args:
        returncode: The child's exit code (negative: killed by that signal).
        gguf: The model file it had loaded, if known.
        what: What the child was doing ("Generation with llama.cpp").
    """
    if returncode >= 0:
        return None
    name = _signal_name(-returncode)
    if name not in CRASH_SIGNALS:
        return None
    from seshat.gguf_header import describe
    from seshat.machine import cpu_model, kernel_features

    model = f" on {gguf} ({describe(gguf)})" if gguf is not None else ""
    features = ", ".join(kernel_features()) or "none of AVX2/AVX-512/AMX"
    return (
        f"{what} crashed with {name}{model}. That is a fault inside llama.cpp's compiled "
        f"library, not in your data: it depends on the model's quantization type and on the "
        f"CPU ({cpu_model()}; kernel features: {features}).",
        "run `seshat doctor`: it tests the llama.cpp runtime with every quantization type and "
        "says which rebuild fixes it (`seshat backend install llamacpp --rebuild`, 10-30 min); "
        "meanwhile the run's unquantized GGUF (`quant=F32`, or BF16 for models over 4 B) avoids "
        "the quantized kernels",
    )


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def relevant_tail(lines: list[str], count: int = 12) -> list[str]:
    """The last lines worth showing: tracebacks and errors first, progress bars and warnings dropped."""
    keep = [line for line in lines if line.strip() and "%|" not in line and "Warning" not in line]
    for index in range(len(keep) - 1, -1, -1):
        if keep[index].startswith("Traceback"):
            tail = keep[index:]
            return [*tail[:2], "  ...", *tail[-(count - 3) :]] if len(tail) > count else tail
    return keep[-count:]
