"""``seshat export RUN``: merge -> convert to GGUF -> quantize -> verify, plus Modelfile and card.

1. The adapter is merged into the base model (``seshat merge``; reused when done).
2. The merged model's logits on sample texts are computed with transformers in the backend env,
   together with its vocabulary and embedding sizes (a tokenizer larger than the embedding matrix
   is refused before converting: the classic failure after adding tokens).
3. llama.cpp's own converter (from the llama-cpp-python sources the runtime was built from) writes
   an unquantized GGUF (f32 for models up to 4 B parameters, else bf16).
4. llama.cpp's quantize API writes each asked quantization (Q4_K_M by default).
5. Verification: the unquantized GGUF's logits (f32 KV cache) must match the merged model's; its
   vocabulary must match its embedding rows and the model's config; and chrF++ of each file on the
   dev split is reported next to the unquantized one.

Everything is written into ``runs/<id>/.exporting/`` and renamed to ``runs/<id>/export/`` only when
complete, so an interrupted export never leaves half a GGUF where eval and serve look for one.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from seshat.access import Gate, ancestors, run_holdings
from seshat.config.models import Destination
from seshat.environments import require_env
from seshat.envs.llamacpp import converter_paths
from seshat.envs.managed import ManagedEnv
from seshat.errors import ModelError, SeshatError
from seshat.eval.evaluate import PARALLEL, RUNTIME, base_model
from seshat.eval.examples import load_examples
from seshat.eval.generate import generate, llamacpp_engine
from seshat.eval.metrics import corpus_scores
from seshat.export.card import model_card, modelfile
from seshat.paths import PACKAGE_DIR
from seshat.process.diagnosis import relevant_tail
from seshat.process.runner import run_json, run_logged
from seshat.runs.launch_record import Launch
from seshat.runs.merge import merge_run
from seshat.runs.outputs import full_model
from seshat.runs.rundir import RunDir, find_run
from seshat.stamps import file_manifest, utc_now
from seshat.yamlio import atomic_write_text, remove_tree

EXPORT = "export"
SCRATCH = ".exporting"
SCRIPTS = PACKAGE_DIR / "export" / "scripts"
DEFAULT_QUANTS = ("Q4_K_M",)
# largest |logit difference| accepted between the merged model and its unquantized GGUF: an
# absolute floor, and a share of the largest |logit| (float32 rounding grows with the logits'
# size and the model's depth: a 30-layer 135M model differs by ~1e-4 at logits of ~20; an
# unmerged adapter or other weights differ by far more than 1e-2)
TOLERANCE = {"f32": (1e-4, 2e-5), "bf16": (0.25, 0.0)}
F32_PARAMETER_LIMIT = 4_000_000_000


def _run_json(
    argv: list[str | Path],
    log: Path,
    what: str,
    env: dict[str, str] | None = None,
    gguf: Path | None = None,
) -> Any:
    """Run an export helper that prints one JSON line last (see :func:`run_json`)."""
    return run_json(argv, log, what, "fix the cause above and run `seshat export` again", env, gguf)


def _sample_texts(run: RunDir, count: int = 4) -> list[str]:
    """A few short texts of the run's own data for the logits check (answers of the dev split)."""
    data = run.read_json("data.json")
    for split in ("dev", "test", "train"):
        entry = data.get(split) or {}
        path = run.root / entry.get("path", "")
        if entry.get("path") and path.is_file():
            texts = []
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    messages = json.loads(line)["messages"]
                    texts.append(f"{messages[-2]['content']}\n{messages[-1]['content']}")
                    if len(texts) == count:
                        break
            if texts:
                return texts
    return ["Hola, ¿cómo estás?", "The quick brown fox jumps over the lazy dog."]


def reference_logits(
    model_dir: Path, env: ManagedEnv, texts: list[str], out: Path, log: Path
) -> Any:
    """Logits of an HF model folder on ``texts`` (saved to ``out``), and its vocabulary sizes."""
    atomic_write_text(out.with_suffix(".texts.json"), json.dumps(texts, ensure_ascii=False))
    return _run_json(
        [env.python, SCRIPTS / "hf_logits.py", model_dir, out.with_suffix(".texts.json"), out],
        log,
        f"Computing reference logits of {model_dir}",
        {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"},
    )


def check_vocabulary(info: dict[str, Any], where: Path) -> None:
    """Refuse a model whose tokenizer has more tokens than its embedding matrix has rows."""
    if info["tokenizer_size"] > info["embedding_rows"]:
        raise ModelError(
            f"The model in {where} has {info['tokenizer_size']} tokens in its tokenizer but only "
            f"{info['embedding_rows']} embedding rows: token ids past the last row would crash "
            "llama.cpp (and the GGUF converter refuses such a model).",
            "resize the embeddings after adding tokens (`seshat tokenizer extend` does) and train again",
        )
    if info["config_vocab_size"] != info["embedding_rows"]:
        raise ModelError(
            f"The model in {where} says vocab_size={info['config_vocab_size']} in config.json but "
            f"has {info['embedding_rows']} embedding rows.",
            "set vocab_size in config.json to the number of embedding rows, then export again",
        )


def convert(
    model_dir: Path,
    backend_env: ManagedEnv,
    runtime_env: ManagedEnv,
    out: Path,
    outtype: str,
    log: Path,
) -> None:
    """HF folder -> unquantized GGUF with llama.cpp's converter (run with the backend env's torch)."""
    script, pythonpath = converter_paths(runtime_env.path)
    done = run_logged(
        [backend_env.python, script, model_dir, "--outfile", out, "--outtype", outtype],
        log,
        env={"PYTHONPATH": pythonpath, "NO_LOCAL_GGUF": "", "HF_HUB_OFFLINE": "1"},
    )
    if not done.ok or not out.is_file():
        tail = "\n    ".join(relevant_tail(done.tail))
        unknown = any("pre-tokenizer was not recognized" in line for line in done.tail)
        raise ModelError(
            f"llama.cpp's converter could not turn {model_dir} into a GGUF (exit code "
            f"{done.returncode}). "
            + (
                "Its tokenizer's pre-tokenizer is unknown to this llama.cpp version. "
                if unknown
                else ""
            )
            + f"Last lines:\n    {tail}\nFull log: {log}.",
            "use a base model whose tokenizer llama.cpp knows (Qwen, Llama, Gemma...), or a "
            "sentencepiece tokenizer"
            if unknown
            else "fix the cause above and run `seshat export` again",
        )


def quantize(runtime_env: ManagedEnv, src: Path, dst: Path, quant: str, log: Path) -> None:
    """Quantize ``src`` into ``dst`` through llama.cpp's API."""
    _run_json(
        [runtime_env.python, SCRIPTS / "gguf_tool.py", "quantize", src, dst, quant],
        log,
        f"Quantizing to {quant}",
        gguf=src,
    )


def gguf_info(runtime_env: ManagedEnv, gguf: Path, log: Path) -> Any:
    """Vocabulary size, embedding rows and metadata of a GGUF (raises on a corrupt file)."""
    _, pythonpath = converter_paths(runtime_env.path)
    try:
        return _run_json(
            [runtime_env.python, SCRIPTS / "gguf_tool.py", "info", gguf],
            log,
            f"Reading {gguf}",
            {"PYTHONPATH": pythonpath},
        )
    except ModelError as exc:
        raise ModelError(
            f"{gguf} is not a readable GGUF file. {exc.message}",
            "delete it and run `seshat export` again",
        ) from None


def _gguf_keys(run: RunDir, level: str, lineage: list[str]) -> dict[str, str]:
    """What every exported GGUF says about itself, for whoever finds it away from its run."""
    return {
        "seshat.access_level": level,
        "seshat.run_id": run.run_id,
        "seshat.lineage": ",".join(lineage),
        "seshat.project": str(run.spec().get("name", "")),
    }


def stamp_gguf(runtime_env: ManagedEnv, gguf: Path, keys: dict[str, str], log: Path) -> None:
    """Write ``keys`` into ``gguf`` (a copy with them, renamed over it)."""
    _, pythonpath = converter_paths(runtime_env.path)
    stamped = gguf.with_name(gguf.name + ".stamped")
    _run_json(
        [runtime_env.python, SCRIPTS / "gguf_tool.py", "stamp", gguf, stamped, json.dumps(keys)],
        log,
        f"Writing the access level into {gguf.name}",
        {"PYTHONPATH": pythonpath},
    )
    stamped.replace(gguf)


def compare_logits(runtime_env: ManagedEnv, gguf: Path, reference: Path, log: Path) -> Any:
    """Largest logit difference between a GGUF and the reference logits (f32 KV cache)."""
    return _run_json(
        [runtime_env.python, SCRIPTS / "gguf_tool.py", "logits", gguf, reference],
        log,
        f"Comparing the logits of {gguf.name}",
        gguf=gguf,
    )


def verify_logits(
    result: dict[str, Any], outtype: str, gguf: Path, model_dir: Path
) -> dict[str, Any]:
    """Refuse a GGUF whose logits differ from the merged model's beyond the tolerance."""
    floor, share = TOLERANCE[outtype]
    tolerance = max(floor, share * float(result.get("max_abs_logit") or 0.0))
    if "error" in result or result["max_abs_diff"] > tolerance:
        found = result.get("error") or f"they differ by up to {result['max_abs_diff']:.4g}"
        raise ModelError(
            f"{gguf.name} does not compute what {model_dir} computes: on the same token ids "
            f"{found} (allowed: {tolerance:g}). The GGUF was made from other weights (an "
            "unmerged base?) or the conversion went wrong.",
            "check `seshat merge` and the export log, then export again with force=true",
        )
    return {
        "max_abs_diff": result["max_abs_diff"],
        "max_abs_logit": result.get("max_abs_logit"),
        "tolerance": tolerance,
        "passed": True,
    }


def export_run(
    root: Path,
    name: str,
    *,
    quants: tuple[str, ...] = DEFAULT_QUANTS,
    dev_limit: int = 40,
    verify: bool = True,
    force: bool = False,
    on_step: Callable[[str], None] | None = None,
    gate: Gate | None = None,
) -> dict[str, Any]:
    """Export run ``name`` to GGUF files in ``runs/<id>/export/``; return the export record.

    Args:
        root: Project folder.
        name: Run id, prefix or ``latest``.
        quants: Quantizations to write besides the unquantized file.
        dev_limit: Dev examples for the quality comparison (0: skip).
        verify: Compare logits with the merged model (needs the model in memory in f32).
        force: Export again even if ``export/`` exists.
        on_step: Receives a line per step (progress display).
        gate: The access policy (default: the project's); the model inherits the most closed
            level of its training data, and ``model_export`` must allow it.

    Raises:
        AccessError: The policy does not allow a model of this data to be exported.
    """
    say = on_step or (lambda _line: None)
    run = find_run(root, name)
    target = run.path / EXPORT
    if target.is_dir() and not force and (run.status().get("export") or {}).get("files"):
        return run.status()["export"] | {"reused": True}
    held = run_holdings(run.path, ("train",))
    decision = (gate or Gate.for_project(root)).require(
        Destination.model_export, held, f"the model of run {run.run_id}", run.path
    )
    launch = Launch.load(run)
    backend_env = require_env(launch.backend, launch.flavour)
    runtime_env = require_env(RUNTIME, "cpu", "see docs/export.md")
    say("merging the adapter into the base model")
    full = full_model(run)
    if full is not None:  # a full fine-tune's output is the model itself
        model_dir = full
    else:  # merge_run explains a run without an adapter
        merge_run(root, run.run_id)
        model_dir = run.path / "merged"
    scratch = run.path / SCRATCH
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    with _removed_on_failure(scratch):
        log = run.logs / "export.log"
        say("computing reference logits with transformers")
        reference = scratch / "reference.npz"
        info = reference_logits(model_dir, backend_env, _sample_texts(run), reference, log)
        check_vocabulary(info, model_dir)
        outtype = "f32" if info["parameters"] <= F32_PARAMETER_LIMIT else "bf16"
        unquantized = f"{outtype.upper()}"
        files = {unquantized: f"model-{unquantized}.gguf"}
        say(f"converting to GGUF ({outtype}) with llama.cpp's converter")
        convert(model_dir, backend_env, runtime_env, scratch / files[unquantized], outtype, log)
        # the level and lineage go into the unquantized file; quantizing copies them into each
        gguf_keys = _gguf_keys(run, held.level, [a.name for a in ancestors(run.path)])
        say("writing the access level and lineage into the GGUF")
        stamp_gguf(runtime_env, scratch / files[unquantized], gguf_keys, log)
        for quant in quants:
            if quant.upper() == unquantized:
                continue
            say(f"quantizing to {quant}")
            files[quant] = f"model-{quant}.gguf"
            quantize(runtime_env, scratch / files[unquantized], scratch / files[quant], quant, log)
        record: dict[str, Any] = {
            "files": files,
            "base_model": base_model(run),
            "outtype": outtype,
            "model": info,
            "verification": {},
        }
        say("verifying vocabulary and logits")
        gguf = gguf_info(runtime_env, scratch / files[unquantized], log)
        record["verification"]["vocabulary"] = _vocabulary_check(gguf, info, files[unquantized])
        if verify:
            result = compare_logits(runtime_env, scratch / files[unquantized], reference, log)
            record["verification"]["logits"] = verify_logits(
                result, outtype, scratch / files[unquantized], model_dir
            )
        else:
            record["verification"]["logits"] = {"passed": None, "skipped": "verify=false"}
        if dev_limit:
            record["quality"] = _quality(run, runtime_env, scratch, files, dev_limit, say)
        record["access"] = held.level
        record["access_decision"] = {"limit": decision.limit, "override": decision.override}
        record["gguf_metadata"] = gguf_keys
        hashes = file_manifest(scratch, {q: Path(f) for q, f in files.items()})
        record["sha256"] = {q: entry["sha256"] for q, entry in hashes.items()}
        record["exported_at"] = utc_now()
        atomic_write_text(scratch / "Modelfile", modelfile(run, files, quants))
        atomic_write_text(scratch / "README.md", model_card(run, record))
        atomic_write_text(scratch / "export.json", json.dumps(record, indent=2) + "\n")
        reference.unlink(missing_ok=True)
        reference.with_suffix(".texts.json").unlink(missing_ok=True)
        if target.exists():
            shutil.rmtree(target)
        scratch.rename(target)
    run.set_status(
        run.status()["state"], export={k: record[k] for k in ("files", "outtype", "access")}
    )
    return record


@contextlib.contextmanager
def _removed_on_failure(scratch: Path) -> Iterator[None]:
    """Remove the unfinished export folder when anything fails or interrupts it (no litter).

    A :class:`~seshat.errors.SeshatError` gains a sentence saying what was removed.
    """
    try:
        yield
    except BaseException as exc:
        size = sum(p.stat().st_size for p in scratch.rglob("*") if p.is_file())
        remove_tree(scratch)
        if isinstance(exc, SeshatError):
            exc.message += (
                f" The unfinished export ({size / 1e6:.0f} MB in {scratch}) was removed; the run, "
                "its adapter and merged model are kept."
            )
        raise


def _vocabulary_check(gguf: dict[str, Any], info: dict[str, Any], name: str) -> dict[str, Any]:
    sizes = {
        "gguf_tokens": gguf["n_vocab"],
        "gguf_embedding_rows": gguf["embedding_rows"],
        "model_embedding_rows": info["embedding_rows"],
    }
    if len(set(sizes.values())) != 1:
        raise ModelError(
            f"{name}: vocabulary and embedding sizes disagree ({sizes}): llama.cpp would read "
            "token ids past the embedding matrix or mis-map tokens.",
            "check added tokens and `vocab_size` in the merged model's config.json, then export again",
        )
    return sizes | {"passed": True}


def _quality(
    run: RunDir,
    runtime_env: ManagedEnv,
    scratch: Path,
    files: dict[str, str],
    limit: int,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """chrF++ (and chrF, BLEU) of every exported file on the first dev examples."""
    data = run.read_json("data.json")
    split = "dev" if (data.get("dev") or {}).get("path") else "test"
    if not (data.get(split) or {}).get("path"):
        return {"skipped": "no dev or test split"}
    examples = load_examples(run.root, run.root / data[split]["path"], split, limit)
    out: dict[str, Any] = {"split": split, "examples": len(examples), "scores": {}}
    for quant, name in files.items():
        say(f"scoring {quant} on {len(examples)} {split} examples")
        engine = llamacpp_engine(
            runtime_env.python, scratch / name, f"gguf-{quant}", 64, parallel=PARALLEL
        )
        answers = generate(
            engine, examples, scratch / f"{split}-{quant}.jsonl", run.logs / "export.log"
        )
        scores = corpus_scores([answers[e.key] for e in examples], [e.reference for e in examples])
        out["scores"][quant] = {m: scores[m] for m in ("chrf++", "chrf", "bleu")}
    return out
