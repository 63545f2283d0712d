"""``seshat quickstart``: Seshat's main job on the bundled sample project.

Today: copy the sample project, then render and check its config for every shipped profile x
backend (strict check and each backend's own validator, installing the backend envs once), and
print the configs. Training, evaluation and export join as they land.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click


@click.command()
@click.argument("folder", type=click.Path(path_type=Path), default=Path("seshat-quickstart"))
@click.option(
    "--strict-only", is_flag=True, help="Skip the backends' own validators (no backend envs)."
)
@click.option("--quiet", is_flag=True, help="Do not print the rendered configs.")
def quickstart(folder: Path, strict_only: bool, quiet: bool) -> None:
    """Copy the sample project to FOLDER, render and check it for every profile x backend."""
    from rich.console import Console
    from rich.table import Table

    from seshat.backends import NAMES
    from seshat.backends.envs import install
    from seshat.config.loader import load_project
    from seshat.configure import (
        CheckReport,
        prepare,
        render,
        run_validator,
        strict_check,
        write_render,
    )
    from seshat.errors import CheckError
    from seshat.paths import shipped_dir
    from seshat.profiles import Profile, available, load_file

    console = Console()
    sample = shipped_dir("examples") / "quickstart" / "seshat.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "seshat.yaml"
    if not target.exists():
        shutil.copyfile(sample, target)
    console.print(
        f"[bold]1. Sample project[/] at {folder.resolve()} ({target.name} copied from {sample.parent})"
    )

    profiles = [n for n, p in available(folder).items() if isinstance(load_file(p), Profile)]
    rows = []
    failures: list[str] = []
    console.print(
        f"[bold]2. Render and check[/] for {len(profiles)} profiles x {len(NAMES)} backends"
    )
    for backend in NAMES:
        env = None
        if not strict_only:
            with console.status(
                f"Preparing the {backend} env (built once, then cached)..."
            ) as status:
                env, built = install(
                    backend,
                    "cpu",
                    on_line=lambda line, b=backend: status.update(f"[{b}] {line[:100]}"),
                )
            console.print(f"   {backend} env: {'built' if built else 'cached'} at {env.path}")
        written = {}
        for name in profiles:
            project = load_project(folder, [f"backend={backend}", f"profile={name}"])
            prepared = prepare(project)
            rendered = render(prepared)
            path, _ = write_render(prepared, rendered)
            report = CheckReport()
            strict_check(prepared, rendered, report)
            failures += [f"{backend}/{name}: {p}" for p in report.strict]
            written[name] = (path, report, prepared.resolved.profile.device, prepared)
            if not quiet:
                console.rule(f"{backend} x {name}: {path}")
                console.print(rendered.yaml_text, markup=False, highlight=False)
        verdicts: dict[Path, dict] = {}
        if env is not None:
            by_device: dict[str, list[Path]] = {}
            for path, _, device, _ in written.values():
                by_device.setdefault(device, []).append(path)
            with console.status(f"Running {backend}'s own validator..."):
                for device, paths in by_device.items():
                    first = next(w for w in written.values() if w[2] == device)[3]
                    verdicts |= run_validator(
                        env.python,
                        backend,
                        paths,
                        device,
                        first.backend.run_env(first.project, first.resolved.profile),
                        folder / ".seshat" / f"validate-{backend}-{device}.log",
                        folder.resolve(),
                    )
        for name, (path, report, _, _) in written.items():
            verdict = verdicts.get(path.resolve())
            if verdict is not None and not verdict["ok"]:
                failures += [
                    f"{backend}/{name} ({backend}'s validator): {e}" for e in verdict["errors"]
                ]
            rows.append(
                (
                    backend,
                    name,
                    "ok" if not report.strict else f"{len(report.strict)} problem(s)",
                    f"{report.strict_seconds * 1000:.1f} ms",
                    "skipped" if verdict is None else ("ok" if verdict["ok"] else "rejected"),
                )
            )
    table = Table(title="Rendered configs")
    for column in ("backend", "profile", "strict check", "time", "backend's validator"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if failures:
        raise CheckError(
            "Some rendered configs were rejected:", failures, "see the logs under .seshat/"
        )
    console.print(
        f"[bold green]Done.[/] Configs are under {folder / '.seshat' / 'render'}.\n"
        f"Next: edit {target} for your language (`seshat init DIR --language NAME --code CODE` "
        "starts a project of your own), then `seshat render profile=strix-halo`."
    )
