"""``seshat review RUN`` (the review page) and ``seshat review summary RUN``."""

from __future__ import annotations

from pathlib import Path

import click

from seshat.cli.options import gate, load, project_option


class _RunOrCommand(click.Group):
    """``seshat review RUN`` opens the page; ``seshat review summary RUN`` is a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Read a first word that is no subcommand (a run, or nothing) as ``open``."""
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["open", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_RunOrCommand)
def review() -> None:
    """Linguists judge RUN's answers on a local page; `review summary RUN` sums them up."""


@review.command("open")
@project_option
@click.argument("args", nargs=-1, metavar="[RUN] [KEY=VALUE]...")
@click.option(
    "--sentences",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also review the translation of these sentences (UTF-8, one per line; needs --to).",
)
@click.option("--to", "to", help="Language the --sentences are translated into (code or name).")
@click.option(
    "--ask/--no-ask", default=True, show_default=True, help="Let reviewers ask the model."
)
def open_page(
    project_dir: Path, args: tuple[str, ...], sentences: Path | None, to: str | None, ask: bool
) -> None:
    """The review page of RUN (127.0.0.1; port=, host= with public=true)."""
    from seshat.cli.serve import _serving, _stopped_by_signals, _until_interrupted
    from seshat.errors import ConfigError
    from seshat.review.items import add_new_sentences
    from seshat.review.page import admit_review, running_review
    from seshat.runs.rundir import find_run

    name, settings, host, project_dir = _serving(args, project_dir)
    access = gate(project_dir, settings)
    project = load(project_dir, ())
    run = find_run(project.root, name)
    if sentences is not None:
        if not to:
            raise ConfigError(
                "--sentences needs --to: the language to translate them into.",
                f"add --to {project.spec.language.code}",
            )
        level = admit_review(access, run, host)
        texts = sentences.read_text(encoding="utf-8").splitlines()
        added = add_new_sentences(project, run, texts, to, level)
        click.echo(f"{len(added)} new sentences translated for review.")
    with (
        _stopped_by_signals(),
        running_review(
            project, run, host=host, port=settings.get("port"), ask=ask, gate=access
        ) as url,
    ):
        click.echo(
            f"Review page of run {run.run_id} at {url} (Ctrl-C stops it). Judgements go to "
            f"data/reviews/{run.run_id}/; `seshat review summary {run.run_id}` sums them up."
        )
        _until_interrupted(lambda: True, "review page")


@review.command("summary")
@project_option
@click.argument("run_name", metavar="RUN", default="latest")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def summary(project_dir: Path, run_name: str, as_json: bool) -> None:
    """Human scores beside chrF++ per task, their correlation, and reviewers' agreement."""
    import json

    from rich.console import Console
    from rich.markdown import Markdown

    from seshat.corpus.judgement import JudgementError
    from seshat.errors import DataError
    from seshat.eval.human import summarize, summary_lines
    from seshat.runs.rundir import find_run

    run = find_run(project_dir.resolve(), run_name)
    try:
        found = summarize(run.root, run.run_id)
    except JudgementError as exc:
        raise DataError(
            str(exc), "the review page writes these files: restore the line, or delete it"
        ) from None
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    Console().print(Markdown("\n".join(summary_lines(found))))
