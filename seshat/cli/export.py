"""``seshat export``."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import boolean, gate, project_option, run_settings


@click.command()
@project_option
@click.argument("args", nargs=-1, metavar="[RUN] [KEY=VALUE]...")
def export(project_dir: Path, args: tuple[str, ...]) -> None:
    """Merge, convert to GGUF, quantize and verify RUN's model (runs/<id>/export/).

    \b
    quant=Q4_K_M,Q8_0  quantizations to write (default Q4_K_M), besides the unquantized file
    dev_limit=40       dev examples for the chrF++ check of each file (0: skip)
    verify=false       skip the logits comparison (it loads the merged model in f32)
    force=true         export again
    access.overrides.model_export="who agreed, when"   export despite the access policy (logged)
    """  # noqa: D301
    from rich.console import Console

    from seshat.export.export import export_run

    names, settings, project_dir = run_settings(
        args,
        {
            "quant": lambda v: tuple(q.strip() for q in v.split(",") if q.strip()),
            "dev_limit": int,
            "verify": boolean,
            "force": boolean,
        },
        project_dir,
    )
    settings["gate"] = gate(project_dir, settings)
    if "quant" in settings:
        settings["quants"] = settings.pop("quant")
    console = Console(stderr=True)
    with console.status("Exporting...") as status:
        record = export_run(
            project_dir.resolve(),
            names[0] if names else "latest",
            on_step=lambda line: status.update(f"Exporting: {line}"),
            **settings,
        )
    if record.get("reused"):
        click.echo("Already exported (force=true exports again).")
    for quant, name in record["files"].items():
        click.echo(f"  {quant}: {name}")
    logits = (record.get("verification") or {}).get("logits") or {}
    if logits.get("max_abs_diff") is not None:
        click.echo(f"Logits vs merged model: max |diff| {logits['max_abs_diff']:.3g} (ok)")
    for quant, scores in ((record.get("quality") or {}).get("scores") or {}).items():
        click.echo(f"  chrF++ on dev, {quant}: {scores['chrf++']['score']:.2f}")
    click.echo(f"Access level: {record.get('access')}. Model card and Modelfile in export/.")
