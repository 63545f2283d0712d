"""The untuned base model as a GGUF, made once and cached: the baseline through llama.cpp.

``seshat eval RUN baseline=base`` compares the trained model with its untuned base on the same
examples. When the trained model answers through llama.cpp (an exported GGUF), the base answers
through llama.cpp too, at the same quantization: the comparison is then between the two models,
not between two engines, and it runs at llama.cpp's speed. The base GGUF is converted with
llama.cpp's own converter and quantized like an export, once per base model (its files' hashes),
llama.cpp runtime and quantization, under ``$SESHAT_HOME/base-gguf/`` (the base model is not the
project's data; its access level is the base model's own).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from seshat.environments import require_env
from seshat.errors import ModelError
from seshat.eval.evaluate import PARALLEL, RUNTIME, base_model
from seshat.eval.generate import Engine, llamacpp_engine
from seshat.export.export import convert, quantize
from seshat.paths import seshat_home
from seshat.runs.inputs import model_hashes
from seshat.runs.launch_record import Launch
from seshat.runs.rundir import RunDir

FOLDER = "base-gguf"


def quant_of(gguf: Path) -> str:
    """The quantization of an exported GGUF from its name (``model-Q8_0.gguf`` -> ``Q8_0``)."""
    return gguf.stem.removeprefix("model-")


def base_gguf(run: RunDir, quant: str, on_step: Callable[[str], None] | None = None) -> Path:
    """The run's base model as a GGUF of ``quant``, converted on first use and then reused.

    Raises:
        ModelError: The base model is not a local folder, or llama.cpp cannot convert it.
        BackendEnvError: The run's backend env or the llama.cpp runtime is missing.
    """
    model = Path(base_model(run))
    if not model.is_dir():
        raise ModelError(
            f"The base model {model} of run {run.run_id} is not a local folder: there is nothing "
            "to convert for a llama.cpp baseline.",
            "pull it first (`seshat model pull`), or evaluate with engine=transformers",
        )
    launch = Launch.load(run)
    backend = require_env(launch.backend, launch.flavour)
    runtime = require_env(RUNTIME, "cpu")
    hashes = model_hashes(run.root, model)
    key = hashlib.sha256(
        json.dumps([hashes, runtime.key, quant], sort_keys=True).encode("utf-8")
    ).hexdigest()[:16]
    target = seshat_home() / FOLDER / f"{model.name}-{key}" / f"model-{quant}.gguf"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log = run.logs / "base-gguf.log"
    with tempfile.TemporaryDirectory(prefix="seshat-base-gguf-", dir=target.parent) as scratch:
        work = Path(scratch)
        if on_step is not None:
            on_step(f"converting the untuned {model.name} to a {quant} GGUF (once; cached)")
        unquantized = work / "model-F32.gguf"
        convert(model, backend, runtime, unquantized, "f32", log)
        made = unquantized
        if quant.upper() != "F32":
            made = work / f"model-{quant}.gguf"
            quantize(runtime, unquantized, made, quant, log)
        shutil.move(made, target)  # same folder: a rename, never a half-written file
    return target


def base_engine(
    run: RunDir, trained: Engine, max_tokens: int, on_step: Callable[[str], None] | None = None
) -> Engine | None:
    """A llama.cpp engine for the untuned base when ``trained`` is one (None: use transformers)."""
    if trained.gguf is None:
        return None
    quant = quant_of(trained.gguf)
    gguf = base_gguf(run, quant, on_step)
    runtime = require_env(RUNTIME, "cpu")
    return llamacpp_engine(runtime.python, gguf, f"base-gguf-{quant}", max_tokens, PARALLEL)
