"""Render and check the sample project for every shipped profile x backend.

Each rendered config goes through the strict check and each backend's own validator (in its
env): the quickstart's ``--all-configs`` proof that one project spec is valid everywhere.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console


def check_matrix(
    folder: Path, console: Console, strict_only: bool = False, quiet: bool = True
) -> None:
    """Render FOLDER's project for every profile x backend and check each config.

    Raises:
        CheckError: A rendered config was rejected (each problem listed).
    """
    from rich.table import Table

    from seshat.config.loader import load_project
    from seshat.env_progress import env_progress
    from seshat.environments import install
    from seshat.errors import CheckError
    from seshat.plugins import backend_names
    from seshat.profiles import Profile, available, load_file
    from seshat.trainer_config import (
        CheckReport,
        prepare,
        render,
        run_validator,
        strict_check,
        write_render,
    )

    profiles = [n for n, p in available(folder).items() if isinstance(load_file(p), Profile)]
    rows = []
    failures: list[str] = []
    console.print(
        f"[bold]Render and check[/] for {len(profiles)} profiles x {len(backend_names())} backends"
    )
    for backend in backend_names():
        env = None
        if not strict_only:
            with env_progress(console, backend) as progress:
                env, built = install(
                    backend, "cpu", on_line=progress.on_line, on_step=progress.on_step
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
