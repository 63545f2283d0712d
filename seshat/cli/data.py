"""``seshat data``: the data pipeline stages."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import load, overrides_argument, project_option


@click.group()
def data() -> None:
    """Turn the sources of seshat.yaml into training data."""


@data.command()
@click.option("--source", "only", multiple=True, help="Only this source id (repeatable).")
@click.option("--force", is_flag=True, help="Read sources again even if unchanged.")
@project_option
@overrides_argument
def ingest(
    only: tuple[str, ...], force: bool, project_dir: Path, overrides: tuple[str, ...]
) -> None:
    """Read every source into data/records/<source>.jsonl (unchanged sources are skipped)."""
    from rich.console import Console
    from rich.table import Table

    from seshat.data.ingest import ingest as run_ingest
    from seshat.errors import SeshatError

    project = load(project_dir, overrides)
    if not project.spec.sources:
        raise SeshatError(
            f"{project.path} declares no sources.",
            "add your files under data/raw/ and list them in `sources:` (see the comments in "
            "seshat.yaml)",
        )
    results = run_ingest(project, list(only) or None, force=force)
    table = Table(title="Ingest")
    for column in ("source", "files", "segments", "kinds", "output", "state"):
        table.add_column(column)
    for r in results:
        state = "errors" if r.errors else ("unchanged" if r.skipped else "written")
        kinds = ", ".join(f"{k} {n}" for k, n in r.kinds.items())
        table.add_row(r.source, str(r.files), str(r.segments), kinds, r.output, state)
    console = Console(stderr=True)
    Console().print(table)
    for warning in (w for r in results for w in r.warnings):
        console.print(f"[yellow]warning:[/] {warning}")
    problems = [e for r in results for e in r.errors]
    for problem in problems:
        console.print(f"[red]error:[/] {problem}")
    if problems:
        raise SystemExit(1)


@data.command("split")
@project_option
@overrides_argument
def split_cmd(project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Split data/clean into train/dev/test (whole documents or entries, no leakage)."""
    from seshat.data.pipeline import run_stage, stage_named

    summary = run_stage(load(project_dir, overrides), stage_named("split"))
    counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
    click.echo(
        f"Split: {counts} ({summary['held_out_duplicates']} duplicates of dev/test texts held out "
        "of the earlier splits) -> data/splits/"
    )


@data.command("format")
@project_option
@overrides_argument
def format_cmd(project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Write the chat JSONL splits the trainers read, mixing tasks by `tasks:` weights."""
    from seshat.data.pipeline import run_stage, stage_named

    summary = run_stage(load(project_dir, overrides), stage_named("format"))
    for name, info in summary["splits"].items():
        tasks = ", ".join(f"{k} {v}" for k, v in info["tasks"].items())
        click.echo(f"{name}: {info['examples']} examples ({tasks})")


@data.command("clean")
@project_option
@overrides_argument
def clean_cmd(project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Normalise data/records into data/clean and flag what looks wrong (nothing is deleted)."""
    from seshat.data.clean import BLOCKING
    from seshat.data.pipeline import run_stage, stage_named

    report = run_stage(load(project_dir, overrides), stage_named("clean"))
    click.echo(
        f"Cleaned {report['records']} records -> data/clean/ (report: data/clean/report.json)"
    )
    for rule, count in report["flags"].items():
        effect = "left out of training" if rule in BLOCKING else "note"
        click.echo(f"  {rule}: {count} ({effect})")


@data.command("run")
@click.option("--force", is_flag=True, help="Run every stage, even fresh ones.")
@project_option
@overrides_argument
def run_cmd(force: bool, project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Ingest, clean, split and format: only what is stale (inputs or settings changed)."""
    from seshat.data.pipeline import run_pipeline
    from seshat.data.receipt import RECEIPT, build, lines

    project = load(project_dir, overrides)
    try:
        done = run_pipeline(project, force=force)
    finally:
        if (project.root / RECEIPT).is_file():
            for line in lines(build(project)):
                click.echo(f"  {line}")
    click.echo(
        " · ".join(
            f"{stage} {'up to date' if action == 'fresh' else 'ran'}" for stage, action, _ in done
        )
        + f" (receipt: {RECEIPT})"
    )


@data.command("dvc")
@click.option("--force", is_flag=True, help="Replace a dvc.yaml that was edited by hand.")
@project_option
@overrides_argument
def dvc_cmd(force: bool, project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Write dvc.yaml: the stages of `seshat data run`, for versioning the data with DVC.

    Each stage (ingest, clean, split, format) calls `seshat data STAGE` with this Seshat and names
    what it reads and writes, so `dvc repro` rebuilds the data byte for byte and `dvc push` /
    `dvc pull` keep the raw data, records and formatted sets on a remote. DVC runs in its own env
    (`seshat backend install dvc`). Run it again after changing the sources.
    """
    import shlex

    from seshat.access import most_closed, rank
    from seshat.cli.options import split_project_override
    from seshat.config.loader import load_project
    from seshat.config.models import Destination
    from seshat.data.dvc_stages import write
    from seshat.environments import planned_env

    items, folder = split_project_override(overrides, project_dir)
    project = load_project(folder, items)
    done = write(project, items, force=force)
    click.echo(
        f"dvc.yaml {done.state} ({done.path}): "
        + " -> ".join(stage.name for stage in done.stages)
        + ", the stages of `seshat data run`."
    )
    env = planned_env("dvc", "cpu")
    root = project.root
    above = (root, *root.parents)
    started = any((p / ".dvc").is_dir() for p in above)  # DVC set up already: no init, no remote
    raw = (root / "data" / "raw").is_dir() and not (root / "data" / "raw.dvc").exists()
    ignores = {(Path(out).parent / ".gitignore").as_posix() for s in done.stages for out in s.outs}
    tracked = ["dvc.yaml", "dvc.lock", *([] if started else [".dvc", ".dvcignore"])]
    tracked += [*sorted(ignores), *(["data/raw.dvc"] if raw else [])]
    steps = [
        *([] if env.installed else ["seshat backend install dvc   # DVC's env (once; cached)"]),
        f"alias dvc={shlex.quote(str(env.bin('dvc')))}   # DVC in Seshat's env",
        *([] if any((p / ".git").exists() for p in above) else ["git init"]),
        *([] if started else ["dvc init && dvc config core.analytics false"]),
        *(["dvc add data/raw   # the raw data, versioned too"] if raw else []),
        *(
            []
            if started
            else ["dvc remote add -d storage /path/to/storage   # or s3://... (docs/versioning.md)"]
        ),
        "dvc repro",
        f"git add {' '.join(tracked)}",
        'git commit -m "Data, versioned with DVC"',
        "dvc push",
    ]
    click.echo(f"Next, in {root}:")
    for step in steps:
        click.echo(f"  {step}")
    level = most_closed(
        level.value
        for s in project.spec.sources
        for level in (s.effective_access(), *s.record_access.values())
    )
    limit = project.spec.access.limit(Destination.dataset_export).value
    if rank(level) > rank(limit):
        click.echo(
            f"Note: the data holds {level} records, and `dvc push` copies every version of them "
            "to the remote; Seshat's access gate does not see DVC. Choose storage that the "
            f"communities agreed to (data leaving this machine: access.rules.dataset_export = "
            f"{limit})."
        )


@data.command("export")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@project_option
@overrides_argument
def export_cmd(out: Path, project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Write the formatted splits to OUT, keeping only what the access policy lets leave.

    By default only public records are exported (rule access.rules.dataset_export); the rest are
    counted in OUT/manifest.json, never copied.
    """
    from seshat.data.dataset_export import export_dataset

    summary = export_dataset(load(project_dir, overrides), out)
    for name, part in summary["splits"].items():
        dropped = sum((summary["left_out"].get(name) or {}).get("levels", {}).values())
        click.echo(
            f"  {name}: {sum(part['levels'].values())} example(s) exported, {dropped} left out"
        )
    click.echo(f"Exported to {out} (manifest.json and README.md describe it).")


@data.command("status")
@project_option
@overrides_argument
def status_cmd(project_dir: Path, overrides: tuple[str, ...]) -> None:
    """Counts per stage, kind, split, task and flag, and which stages are stale."""
    import json

    from rich.console import Console
    from rich.table import Table

    from seshat.data.clean import CLEAN
    from seshat.data.ingest import MANIFEST, RECORDS
    from seshat.data.pipeline import STAGES, state
    from seshat.data.split import SPLITS_DIR

    project = load(project_dir, overrides)
    root = project.root

    def read(path: Path) -> dict:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    table = Table(title=f"Data of {project.spec.name}")
    for column in ("stage", "state", "what"):
        table.add_column(column, overflow="fold")
    ingested = read(root / RECORDS / MANIFEST)
    declared = {s.id for s in project.spec.sources}
    kinds: dict[str, int] = {}
    for entry in ingested.values():
        for kind, n in entry.get("kinds", {}).items():
            kinds[kind] = kinds.get(kind, 0) + n
    missing = sorted(declared - set(ingested))
    table.add_row(
        "ingest",
        "missing: " + ", ".join(missing) if missing else "fresh" if ingested else "missing",
        ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
    )
    reports = {
        "clean": read(root / CLEAN / "report.json").get("flags", {}),
        "split": read(root / SPLITS_DIR / "manifest.json").get("counts", {}),
        "format": {
            name: info.get("examples")
            for name, info in read((root / project.spec.data.train).parent / "manifest.json")
            .get("splits", {})
            .items()
        },
    }
    for stage in STAGES:
        what = ", ".join(f"{k} {v}" for k, v in reports[stage.name].items())
        table.add_row(stage.name, state(project, stage), what)
    console = Console()
    console.print(table)
    from seshat.data.receipt import build, lines

    console.print("[bold]Receipt[/] (what each source gave, what was left out and why):")
    for line in lines(build(project), full=True):
        console.print(f"  {line}", markup=False, highlight=False)


@data.command("withdraw")
@click.argument("source")
@click.option("--reason", required=True, help="Who withdrew consent, and when.")
@click.option("--yes", is_flag=True, help="Delete and revoke (without it: only list).")
@project_option
def withdraw_cmd(source: str, reason: str, yes: bool, project_dir: Path) -> None:
    """Consent withdrawn: list (and with --yes delete or revoke) all that derives from SOURCE.

    Its records, the splits and formatted data that hold them, and every run trained on it (or
    descending from one): adapters, merged models, GGUFs, reports, evaluation answers and W&B
    offline records are deleted; the runs are revoked (no export, serve, demo or continue).
    """
    from seshat.withdraw import describe, plan, withdraw

    root = project_dir.resolve()
    found = plan(root, source)
    lines = describe(found)
    if not lines:
        click.echo(f"Nothing in {root} derives from source {source!r}.")
    for line in lines:
        click.echo(f"  {line}")
    if not yes:
        click.echo("Nothing was deleted. Run again with --yes to delete and revoke the above.")
        return
    done = withdraw(root, source, reason)
    click.echo(
        f"Withdrawn: source {source!r}: {len(done.files)} data file(s) deleted, "
        f"{len(done.runs)} run(s) revoked (recorded in .seshat/withdrawn.json and the audit). "
        f"Next: remove the source from seshat.yaml, then `seshat data run`."
    )


@data.command("ocr")
@project_option
@overrides_argument
def ocr_cmd(project_dir: Path, overrides: tuple[str, ...]) -> None:
    """OCR quality: CER of scanned pages that have a ground truth, with and without corrections.

    A ground truth is <page>.txt or <page>.gt.txt next to the image; the report goes to
    data/records/ocr-report.json.
    """
    import json

    from seshat.data.ingest import RECORDS, context_for, input_files
    from seshat.data.ocr import ground_truth_for, page_report
    from seshat.data.readers.image import languages
    from seshat.yamlio import atomic_write_text

    project = load(project_dir, overrides)
    pages = []
    for source in project.spec.sources:
        if source.format.value != "image":
            continue
        ctx = context_for(project, source)
        tessdata = ctx.option("tessdata")
        for image in input_files(project.root, source):
            truth = ground_truth_for(image)
            if truth is None:
                continue
            report = page_report(
                image,
                truth,
                languages(ctx),
                dict(ctx.option("corrections") or {}),
                project.root / str(tessdata) if tessdata else None,
            )
            pages.append({"source": source.id, **report})
            click.echo(
                f"{source.id}/{image.name}: CER {report['cer']:.2%} "
                f"({report['cer_corrected']:.2%} with the correction table), "
                f"confidence {report['confidence']}"
            )
    if not pages:
        click.echo("No scanned page has a ground truth (<page>.txt or <page>.gt.txt next to it).")
    atomic_write_text(
        project.root / RECORDS / "ocr-report.json", json.dumps(pages, indent=2) + "\n"
    )
