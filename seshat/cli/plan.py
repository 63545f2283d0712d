"""``seshat plan``: what a run on this profile will use, and whether it fits."""

from __future__ import annotations

import json
from pathlib import Path

import click

from seshat.cli.options import load, overrides_argument, project_option


@click.command()
@project_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option(
    "--measure",
    is_flag=True,
    help="Time a few real steps of each batch shape first (minutes; cached per model, profile "
    "and data), and plan with the fastest.",
)
@overrides_argument
def plan(project_dir: Path, as_json: bool, measure: bool, overrides: tuple[str, ...]) -> None:
    """Size the run to the profile's memory and explain each choice.

    \b
    Examples:
      seshat plan                                      # the project's model and profile
      seshat plan profile=cloud-a100-80b
      seshat plan model.base=Qwen/Qwen3-32B profile=strix-halo-rocm
      seshat plan --measure                            # time real steps, plan with them
    """  # noqa: D301 (click's \b keeps the lines as they are)
    from seshat.trainer_config import prepare

    if measure:
        from seshat.runs.probe import STEPS
        from seshat.runs.probe import measure as run_probes

        click.echo(f"Measuring {STEPS} real steps of each batch shape...", err=True)
        run_probes(
            load(project_dir, overrides),
            overrides,
            on_shape=lambda mb, acc, s: click.echo(
                f"  {mb} x {acc}: {s:.2f} s per optimizer step", err=True
            ),
        )
    prepared = prepare(load(project_dir, overrides))
    made = prepared.plan
    if as_json:
        click.echo(json.dumps(made.to_dict(), indent=2, sort_keys=True))
        return
    _print_plan(made, prepared.resolved.profile.name)


def _print_plan(made: object, profile: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from seshat.plan.make import SIZES, Plan

    assert isinstance(made, Plan)
    console = Console()
    console.print(f"[bold]{made.model}[/] on profile [bold]{profile}[/] ({made.model_origin})")
    table = Table("setting", "value", "why")
    table.add_row("method", made.method, "QLoRA chosen to fit" if made.load_in_4bit else "")
    for name in (*SIZES, "lora_target_modules"):
        choice = getattr(made, name)
        if choice is not None:
            table.add_row(name, str(choice.value), choice.reason)
    if made.threads is not None:
        table.add_row("threads", str(made.threads.value), made.threads.reason)
    if made.machine is not None:
        table.add_row(
            "machine",
            f"{made.machine['cores']} cores, {made.machine['memory_gb']:.1f} GB",
            "measured" if made.machine["source"] == "measured" else "SESHAT_MACHINE",
        )
    if made.eval_in_training is not None:
        table.add_row(
            "eval_in_training",
            str(made.eval_in_training.value).lower(),
            made.eval_in_training.reason,
        )
    console.print(table)
    if made.speedups:
        speed = Table("speed-up", "on", "why", title="Throughput features")
        for name, choice in made.speedups.items():
            speed.add_row(name, "yes" if choice.value else "no", choice.reason)
        console.print(speed)
    memory = made.memory
    if memory is not None:
        tried = Table("step", "micro-batch", "estimate", "fits", title="What the planner tried")
        for row in memory["tried"]:
            tried.add_row(
                row["step"],
                str(row["micro_batch_size"]),
                f"{row['estimate_gb']:.1f} GB",
                "yes" if row["fits"] else "no",
            )
        console.print(tried)
        parts = memory["estimate_gb"]
        if parts:
            console.print(
                "Peak memory estimate: "
                + ", ".join(f"{key} {value:.1f} GB" for key, value in parts.items())
                + f" (budget {memory['budget_gb']:.1f} GB)"
            )
        if not memory["fits"]:
            console.print("[bold red]Does not fit this profile.[/]")
    for note in made.notes:
        console.print(f"- {note}")
