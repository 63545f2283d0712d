"""``seshat eval RUN``: generate on the test split and score, with controls and an optional baseline.

Results go into ``runs/<id>/eval/<engine tag>/``: ``predictions.jsonl`` (appended as answers are
made; a rerun only generates what is missing), ``scores.json`` (every score with its sacrebleu
signature, controls, verdicts, samples) and a short ``summary.md``. The scores also go into the
run's W&B record, with only the samples that the access policy lets go there.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from seshat.access import Gate, run_holdings
from seshat.config.models import Destination, ModelSpec
from seshat.environments import require_env
from seshat.errors import DataError, ModelError
from seshat.eval.examples import load_examples, references_by_task
from seshat.eval.generate import (
    Engine,
    generate,
    hf_engine,
    llamacpp_engine,
    read_predictions,
    read_stops,
    with_threads,
)
from seshat.eval.limits import length_ratios, rule, with_limits
from seshat.eval.scoring import (
    AGAINST,
    comparisons,
    difference_text,
    sample_rows,
    score_table,
    verdicts,
)
from seshat.runs.launch_record import Launch
from seshat.runs.outputs import full_model, trained_adapter
from seshat.runs.rundir import RunDir, find_run
from seshat.stamps import file_manifest, utc_now
from seshat.yamlio import atomic_write_text

EVAL_DIR = "eval"
# chats llama.cpp decodes together (bench/eval_speed.py: 1.4x one at a time with the Qwen
# vocabulary on 2 cores; no faster, no slower for SmolLM2)
PARALLEL = 8
RUNTIME = "llamacpp"
ENGINES = ("auto", "llamacpp", "transformers")


def base_model(run: RunDir) -> str:
    """The run's base model: a local folder (resolved) or a hub id."""
    spec = run.spec()
    model = ModelSpec(**spec["model"])
    local = model.local_path(run.root)
    return str(local) if local is not None else model.base


def exported_ggufs(run: RunDir) -> dict[str, Path]:
    """The run's exported GGUF files by quantization (``F32``, ``Q8_0``, ``Q4_K_M``...)."""
    record = run.status().get("export") or {}
    found = {}
    for quant, name in (record.get("files") or {}).items():
        path = run.path / "export" / name
        if path.is_file():
            found[quant] = path
    return found


def pick_gguf(run: RunDir, quant: str | None) -> Path:
    """The exported GGUF to run: the asked quantization, else Q4_K_M, Q8_0, F32, any.

    Raises:
        ModelError: Nothing exported, or not the asked quantization.
    """
    ggufs = exported_ggufs(run)
    if not ggufs:
        raise ModelError(
            f"Run {run.run_id} has no exported GGUF: llama.cpp (eval, serve, demo) runs GGUF files.",
            f"run `seshat export {run.run_id}` first",
        )
    wanted = quant or next(q for q in ("Q4_K_M", "Q8_0", "F32", *ggufs) if q in ggufs)
    if wanted not in ggufs:
        raise ModelError(
            f"Run {run.run_id} has no {wanted} GGUF (exported: {', '.join(sorted(ggufs))}).",
            f"run `seshat export {run.run_id} quant={wanted}`, or pick an exported one",
        )
    return ggufs[wanted]


def latest_scores(run: RunDir) -> dict[str, Any] | None:
    """The ``scores.json`` of the run's latest evaluation, if any."""
    latest = (run.status().get("eval") or {}).get("latest")
    path = run.path / latest / "scores.json" if latest else None
    return json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None


def choose_engine(
    run: RunDir, engine: str, quant: str | None, max_tokens: int, *, base: bool = False
) -> Engine:
    """The generation engine for ``run`` (``auto``: its GGUF when exported, else transformers).

    Raises:
        ModelError: The run has no adapter, no GGUF of the asked quantization, or no env.
    """
    if engine not in ENGINES:
        raise ModelError(f"Unknown engine {engine!r}.", f"use one of {', '.join(ENGINES)}")
    launch = Launch.load(run)
    if base:
        env = require_env(launch.backend, launch.flavour)
        model = base_model(run)
        return hf_engine(env.python, Path(model), None, "base-hf", max_tokens)
    adapter = trained_adapter(run)
    full = full_model(run)
    if adapter is None and full is None:
        state = run.status().get("state")
        raise ModelError(
            f"Run {run.run_id} ({state}) has no trained adapter or model in {run.output}: "
            "there is nothing to evaluate.",
            f"finish it with `seshat train resume={run.run_id}`, or evaluate a succeeded run "
            "(`seshat runs list`)",
        )
    if engine == "llamacpp" or (engine == "auto" and exported_ggufs(run)):
        gguf = pick_gguf(run, quant)
        env = require_env(RUNTIME, "cpu")
        tag = "gguf-" + gguf.stem.removeprefix("model-")
        return llamacpp_engine(env.python, gguf, tag, max_tokens, parallel=PARALLEL)
    env = require_env(launch.backend, launch.flavour)
    if full is not None:
        return hf_engine(env.python, full, None, "hf", max_tokens)
    return hf_engine(env.python, Path(base_model(run)), adapter, "hf", max_tokens)


def _split_file(run: RunDir, split: str) -> tuple[Path, dict[str, Any]]:
    """The run's formatted split and its recorded hash; refuses if the file changed since."""
    data = run.read_json("data.json")
    recorded = data.get(split)
    if not recorded or recorded.get("missing"):
        raise DataError(
            f"Run {run.run_id} was trained without a {split} split: there is nothing to evaluate.",
            f"set `splits.{split}` above 0 in seshat.yaml, `seshat data run`, and train again",
        )
    path = run.root / recorded["path"]
    now = file_manifest(run.root, {split: Path(recorded["path"])})[split]
    if now.get("missing"):
        raise DataError(
            f"The {split} split {path} that run {run.run_id} recorded is gone.",
            "run `seshat data run` to write it again (same inputs give the same file)",
        )
    if now["sha256"] != recorded["sha256"]:
        raise DataError(
            f"The {split} split {path} changed since run {run.run_id} trained (its hash differs "
            "from data.json): scores would not be about the data the run held out.",
            "restore the data the run used, or train a new run on the new data",
        )
    return path, recorded


def evaluate_run(
    root: Path,
    name: str,
    *,
    engine: str = "auto",
    quant: str | None = None,
    baseline: str | None = None,
    limit: int | None = None,
    split: str = "test",
    max_tokens: int = 128,
    bootstrap: int = 1000,
    on_progress: Callable[[str, int, int], None] | None = None,
    gate: Gate | None = None,
    on_estimate: Callable[[str], None] | None = None,
    base_engine: Callable[[Engine, int], Engine | None] | None = None,
) -> dict[str, Any]:
    """Evaluate run ``name`` and write ``runs/<id>/eval/<engine>/``.

    Args:
        root: Project folder.
        name: Run id, prefix or ``latest``.
        engine: ``auto``, ``llamacpp`` or ``transformers``.
        quant: Which exported GGUF to use with llama.cpp (default: Q4_K_M when present).
        baseline: ``base`` (the untuned base model) or another run's id: paired bootstrap.
        limit: Evaluate at most this many examples (every task kept).
        split: ``test`` (default) or ``dev``.
        max_tokens: Longest answer.
        bootstrap: Resamples for confidence intervals and the paired test.
        on_progress: ``(what, done, total)`` after every answer.
        gate: The access policy for what goes to W&B (default: the project's).
        on_estimate: Called once, before generating, with how long it will take (in words).
        base_engine: Given the trained model's engine and ``max_tokens``, the engine of the
            untuned base for ``baseline=base`` (None from it, or no function: transformers). The llama.cpp
            baseline (:func:`seshat.export.base_gguf.base_engine`) is passed in from above:
            evaluation does not convert models.

    Returns:
        The scores record (also written to ``scores.json``).
    """
    run = find_run(root, name)
    chosen = choose_engine(run, engine, quant, max_tokens)
    chat_path, recorded = _split_file(run, split)
    train_path = root / run.read_json("data.json")["train"]["path"]
    ratios = length_ratios(load_examples(root, train_path, "train")) if train_path.is_file() else {}
    examples = with_limits(load_examples(root, chat_path, split, limit), ratios, max_tokens)
    training = references_by_task(train_path)
    folder = run.path / EVAL_DIR / (chosen.tag if split == "test" else f"{chosen.tag}-{split}")
    folder.mkdir(parents=True, exist_ok=True)
    if on_estimate is not None:
        said = time_estimate(run, examples, read_predictions(folder / "predictions.jsonl"))
        if said:
            on_estimate(said + (" (and as long again for the untuned model)" if baseline else ""))
    asked = base_engine is not None and baseline == "base"
    base = base_engine(chosen, max_tokens) if asked and base_engine is not None else None
    started = time.monotonic()
    base_outputs, base_about = None, None
    if base is not None and side_by_side(chosen, base):
        # two llama.cpp processes at once, each on half the cores (bench/eval_speed.py)
        half = max(1, (os.cpu_count() or 2) // 2)
        with ThreadPoolExecutor(2) as pool:
            mine = pool.submit(
                _answers, with_threads(chosen, half), examples, folder, run, on_progress
            )
            theirs = pool.submit(
                _baseline,
                run,
                baseline,
                chosen,
                examples,
                split,
                max_tokens,
                on_progress,
                with_threads(base, half),
            )
            answers = mine.result()
            base_outputs, base_about = theirs.result()
    else:
        answers = _answers(chosen, examples, folder, run, on_progress)
        if baseline:
            base_outputs, base_about = _baseline(
                run, baseline, chosen, examples, split, max_tokens, on_progress, base
            )
    seconds = time.monotonic() - started
    outputs = [answers[e.key] for e in examples]
    stopped = read_stops(folder / "predictions.jsonl")
    stops = [stopped.get(e.key) for e in examples]
    table = score_table(
        examples,
        outputs,
        training,
        bootstrap=bootstrap,
        baseline=base_outputs,
        stops=stops,
    )
    record = {
        "run": run.run_id,
        "split": split,
        "split_file": recorded,
        "engine": chosen.tag,
        "engine_description": chosen.description,
        "examples": len(examples),
        "limit": limit,
        "generation_seconds": round(seconds, 2),
        "baseline": base_about,
        "generation": rule(ratios, max_tokens),
        "evaluated_at": utc_now(),
        **table,
        "verdicts": verdicts(table),
        "samples": sample_rows(examples, outputs),
    }
    atomic_write_text(
        folder / "scores.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    )
    atomic_write_text(folder / "summary.md", summary_markdown(record))
    run.set_status(
        run.status()["state"],
        eval={"latest": str(folder.relative_to(run.path)), "headline": headline(record)},
    )
    _track(run, record, gate or Gate.for_project(root))
    return record


def side_by_side(trained: Engine, base: Engine) -> bool:
    """Whether the trained model and its base can generate at once, each on half the cores.

    Yes for two GGUFs that together take under a quarter of the memory, on 2 cores or more. On 2
    cores two single-threaded llama.cpp processes answer 1.2x faster than two in turn
    (a small model spends much of a step synchronising its threads).
    """
    from seshat.machine import machine_facts

    if trained.gguf is None or base.gguf is None or (os.cpu_count() or 1) < 2:
        return False
    facts = machine_facts()
    size_gb = (trained.gguf.stat().st_size + base.gguf.stat().st_size) / 1e9
    return facts is not None and facts.memory_gb is not None and size_gb < facts.memory_gb / 4


def _answers(
    engine: Engine,
    examples: list[Any],
    folder: Path,
    run: RunDir,
    on_progress: Callable[[str, int, int], None] | None,
) -> dict[str, str]:
    def progress(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(engine.description, done, total)

    predictions = folder / "predictions.jsonl"
    return generate(engine, examples, predictions, run.logs / f"eval-{engine.tag}.log", progress)


def _baseline(
    run: RunDir,
    baseline: str,
    engine: Engine,
    examples: list[Any],
    split: str,
    max_tokens: int,
    on_progress: Callable[[str, int, int], None] | None,
    base_engine: Engine | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """The baseline's answers: the untuned base model, or another run's predictions."""
    if baseline == "base":
        engine = base_engine or choose_engine(run, "transformers", None, max_tokens, base=True)
        folder = run.path / EVAL_DIR / (engine.tag if split == "test" else f"{engine.tag}-{split}")
        folder.mkdir(parents=True, exist_ok=True)
        answers = _answers(engine, examples, folder, run, on_progress)
        about = {"kind": "base", "model": base_model(run), "engine": engine.description}
        return [answers[e.key] for e in examples], about
    other = find_run(run.root, baseline)
    if other.read_json("data.json").get(split, {}).get("sha256") != run.read_json("data.json")[
        split
    ].get("sha256"):
        raise DataError(
            f"Baseline run {other.run_id} was evaluated on a different {split} split than "
            f"{run.run_id}: a paired comparison needs the same examples.",
            "compare runs trained on the same data, or use baseline=base",
        )
    folder = other.path / EVAL_DIR / (engine.tag if split == "test" else f"{engine.tag}-{split}")
    answers = read_predictions(folder / "predictions.jsonl")
    missing = [e.key for e in examples if e.key not in answers]
    if missing:
        raise DataError(
            f"Baseline run {other.run_id} has no {engine.tag} answers for {len(missing)} of the "
            f"{len(examples)} examples ({folder}).",
            f"run `seshat eval {other.run_id}` with the same engine and limit first",
        )
    return [answers[e.key] for e in examples], {"kind": "run", "run": other.run_id}


def time_estimate(run: RunDir, examples: list[Any], done: dict[str, str]) -> str | None:
    """How long generating the missing answers will take, in words (None: model unknown)."""
    from seshat.machine import available_cores
    from seshat.plan.catalogue import find_shape
    from seshat.plan.timing import duration, generation_seconds, throughput

    shape, _ = find_shape(ModelSpec(**run.spec()["model"]), run.root)
    pending = [e for e in examples if e.key not in done]
    if shape is None or not pending:
        return None
    # answers stop well before their limit as a rule: half of it is the expectation
    tokens = sum((e.max_tokens or 128) // 2 for e in pending)
    rate = throughput("cpu", available_cores(), None, 1)
    seconds = generation_seconds(shape, tokens, rate)
    return (
        f"{len(pending)} answers to generate: about {duration(seconds)} on {rate[1]} "
        f"(estimated; up to {duration(2 * seconds)} if every answer runs to its limit)"
    )


def headline(record: dict[str, Any]) -> dict[str, Any]:
    """The headline chrF++ per task (what ``runs list`` and the model card show)."""
    return {
        task: round(entry["scores"][record["headline"]]["score"], 2)
        for task, entry in record["tasks"].items()
    }


def summary_markdown(record: dict[str, Any]) -> str:
    """A short Markdown summary of the scores, with signatures.

    Per task, the trained model against the untuned one and the controls: score, signed
    difference and its 95 % interval, in words.
    """
    baseline = bool(record.get("baseline"))
    against = [k for k in AGAINST if k != "baseline" or baseline]
    lines = [
        f"# Evaluation of {record['run']} ({record['split']}, {record['examples']} examples)",
        "",
        f"Engine: {record['engine_description']}. chrF++ (the headline), then each comparison: "
        "its score, the trained model's difference (95 % paired-bootstrap interval), and what "
        "that means.",
        "",
        "| task | n | trained | "
        + " | ".join(AGAINST[k] for k in against)
        + " | chrF | BLEU | runaway |",
        "|---|---|---|" + "---|" * len(against) + "---|---|---|",
    ]
    for task, entry in record["tasks"].items():
        s = entry["scores"]
        cells = [
            f"{row['score']:.2f}: {difference_text(row)}, **{row['word']}**"
            for row in comparisons(entry)
        ]
        runaway = entry.get("runaway", {}).get("rate")
        lines.append(
            f"| {task} | {entry['examples']} | {s['chrf++']['score']:.2f} | "
            + " | ".join(cells)
            + f" | {s['chrf']['score']:.2f} | {s['bleu']['score']:.2f} | "
            + (f"{runaway * 100:.0f} %" if runaway is not None else "")
            + " |"
        )
    for task, entry in record["tasks"].items():
        probe = entry.get("unseen_forms")
        if probe:
            lines.append(
                f"\nGeneralisation probe ({task}): {probe['examples']} items whose reference "
                f"has a word form no training answer has: chrF++ "
                f"{probe['scores']['chrf++']['score']:.2f} (random training answer "
                f"{probe['controls']['random_target']['chrf++']['score']:.2f})."
            )
        if "morpheme_accuracy" in entry:
            lines.append(
                f"\nGlossing accuracy per morpheme ({task}): {entry['morpheme_accuracy']:.1f} %."
            )
    lines += ["", *[f"- {v}" for v in record["verdicts"]], "", "Signatures:"]
    first = next(iter(record["tasks"].values()))["scores"]
    lines += [f"- {metric}: `{first[metric]['signature']}`" for metric in first]
    generation = record.get("generation")
    if generation:
        lines += [
            f"- answers: at most {generation['max_tokens_cap']} tokens; "
            f"{generation['max_tokens_rule']}; {generation['repetition_guard']}",
        ]
    return "\n".join(lines) + "\n"


def _track(run: RunDir, record: dict[str, Any], gate: Gate) -> None:
    """Put the scores into the run's W&B record, and the samples the policy lets go there.

    Scores pass ``wandb_metrics``; each sample passes ``wandb_samples`` (by default only those of
    public records) and the rest are left out, with the decision logged.
    """
    from seshat.runs.tracking import log_summary, tracking_enabled

    if not tracking_enabled(run):
        return
    gate.require(
        Destination.wandb_metrics,
        run_holdings(run.path),
        f"the scores of run {run.run_id}",
        run.path,
    )
    flat = {}
    for task, entry in record["tasks"].items():
        for metric, value in entry["scores"].items():
            flat[f"eval/{record['engine']}/{task}/{metric}"] = value["score"]
        flat[f"eval/{record['engine']}/{task}/beats_controls"] = entry["beats_controls"]
    samples = gate.select(
        Destination.wandb_samples,
        record["samples"]["first"],
        f"evaluation samples of run {run.run_id}",
        run.path,
    )
    columns = ("task", "input", "reference", "output", "chrf++", "access")
    table = [[row.get(c) for c in columns] for row in samples]
    log_summary(run, flat, tables={f"eval/{record['engine']}/samples": (columns, table)})
