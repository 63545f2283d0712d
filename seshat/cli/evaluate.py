"""``seshat eval`` and ``seshat report``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from seshat.cli.options import boolean, gate, project_option, run_settings

EVAL_SETTINGS = {
    "engine": str,
    "quant": str,
    "baseline": str,
    "limit": int,
    "split": str,
    "max_tokens": int,
    "bootstrap": int,
}


def llamacpp_baseline(run: Any, console: Any) -> Any:
    """For ``baseline=base``: the untuned base through llama.cpp when the trained model is a GGUF.

    The base GGUF is converted once and cached (:mod:`seshat.export.base_gguf`).
    """

    def make(trained: Any, max_tokens: int) -> Any:
        from seshat.export.base_gguf import base_engine

        return base_engine(
            run, trained, max_tokens, lambda line: console.print(f"Baseline: {line}.")
        )

    return make


@contextlib.contextmanager
def generation_bars(console: Any, label: str) -> Iterator[Callable[[str, int, int], None]]:
    """One rich progress bar per engine; yields the ``on_progress(what, done, total)`` to pass on."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        bars: dict[str, int] = {}

        def on_progress(what: str, done: int, total: int) -> None:
            if what not in bars:
                bars[what] = progress.add_task(f"{label} {what}", total=total)
            progress.update(bars[what], completed=done)

        yield on_progress


@click.command("eval")
@project_option
@click.argument("args", nargs=-1, metavar="[RUN] [KEY=VALUE]...")
def eval_(project_dir: Path, args: tuple[str, ...]) -> None:
    """Generate on the test split and score (BLEU, chrF, chrF++) beside trivial controls.

    \b
    engine=auto|llamacpp|transformers  auto: the run's GGUF when exported, else transformers
    quant=Q4_K_M      which exported GGUF llama.cpp uses
    baseline=base|RUN paired bootstrap against the untuned base model or another run
    limit=N           at most N examples (every task kept); split=dev to use the dev split
    """  # noqa: D301 (click's \b keeps the lines as they are)
    from rich.console import Console
    from rich.table import Table

    from seshat.eval.evaluate import evaluate_run
    from seshat.eval.scoring import comparisons, difference_text
    from seshat.runs.rundir import find_run

    names, settings, project_dir = run_settings(args, EVAL_SETTINGS, project_dir)
    settings["gate"] = gate(project_dir, settings)
    console = Console(stderr=True)
    run = find_run(project_dir.resolve(), names[0] if names else "latest")
    with generation_bars(console, "Generating with") as on_progress:
        record = evaluate_run(
            project_dir.resolve(),
            run.run_id,
            on_progress=on_progress,
            on_estimate=lambda said: console.print(f"Evaluation: {said}."),
            base_engine=llamacpp_baseline(run, console),
            **settings,
        )
    table = Table(
        title=f"{record['run']}: {record['examples']} {record['split']} examples, chrF++ "
        "(difference and 95 % interval against each)"
    )
    first = next(iter(record["tasks"].values()))
    against = [row["name"] for row in comparisons(first)]
    for column in ("task", "n", "trained", *against, "runaway"):
        table.add_column(column)
    colour = {"better than": "green", "no different from": "yellow", "worse than": "red"}
    for task, e in record["tasks"].items():
        cells = [
            f"{row['score']:.2f} {difference_text(row)}\n[{colour[row['word']]}]"
            f"{row['word']}[/{colour[row['word']]}]"
            for row in comparisons(e)
        ]
        rate = e.get("runaway", {}).get("rate")
        table.add_row(
            task,
            str(e["examples"]),
            f"{e['scores']['chrf++']['score']:.2f}",
            *cells,
            f"{rate * 100:.0f} %" if rate is not None else "",
        )
    Console().print(table)
    for line in record["verdicts"]:
        click.echo(line)
    click.echo(
        f"chrF++ signature: {next(iter(record['tasks'].values()))['scores']['chrf++']['signature']}"
    )
    click.echo(f"Written: runs/{record['run']}/eval/{record['engine']}/scores.json")


@click.command()
@project_option
@click.argument("args", nargs=-1, metavar="RUN... [KEY=VALUE]...")
def report(project_dir: Path, args: tuple[str, ...]) -> None:
    """Write a self-contained HTML report of one or more runs (share=true: public samples only)."""
    from seshat.eval.report import write_report

    names, settings, project_dir = run_settings(args, {"share": boolean, "out": Path}, project_dir)
    path = write_report(
        project_dir.resolve(),
        names or ["latest"],
        settings.get("out"),
        settings.get("share", False),
        gate(project_dir, settings),
    )
    click.echo(f"Report: {path}")
