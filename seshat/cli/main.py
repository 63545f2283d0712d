"""Entry point and error boundary of the ``seshat`` command.

Subcommands live in their own modules and are imported only when run, so that ``seshat --help``
stays fast and never imports pydantic, torch, transformers or a backend.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

# name -> (module, attribute): each command's help is its own docstring, read without importing
# its module (so `seshat --help` stays fast and never imports pydantic, torch or a trainer)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("seshat.cli.project", "init"),
    "config": ("seshat.cli.project", "config"),
    "doctor": ("seshat.cli.doctor", "doctor"),
    "profiles": ("seshat.cli.profiles", "profiles"),
    "backend": ("seshat.cli.backend", "backend"),
    "data": ("seshat.cli.data", "data"),
    "render": ("seshat.cli.render", "render"),
    "check": ("seshat.cli.render", "check"),
    "plan": ("seshat.cli.plan", "plan"),
    "model": ("seshat.cli.model", "model"),
    "tokenizer": ("seshat.cli.tokenizer", "tokenizer"),
    "train": ("seshat.cli.train", "train"),
    "launch": ("seshat.cli.launch", "launch"),
    "runs": ("seshat.cli.runs", "runs"),
    "merge": ("seshat.cli.merge", "merge"),
    "eval": ("seshat.cli.evaluate", "eval_"),
    "report": ("seshat.cli.evaluate", "report"),
    "export": ("seshat.cli.export", "export"),
    "audit": ("seshat.cli.audit", "audit"),
    "labels": ("seshat.cli.labels", "labels"),
    "serve": ("seshat.cli.serve", "serve"),
    "translate": ("seshat.cli.serve", "translate"),
    "demo": ("seshat.cli.serve", "demo"),
    "review": ("seshat.cli.review", "review"),
    "quickstart": ("seshat.cli.quickstart", "quickstart"),
}


def short_help(module: str, attr: str) -> str:
    """The first line of the command function's docstring, read from its source file."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return ""
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == attr:
            return (ast.get_docstring(node) or "").strip().splitlines()[0]
    return ""


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """All command names, in declaration order."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return one command."""
        if cmd_name not in COMMANDS:
            return None
        module, attr = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands with their short help, without importing them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, short_help(*where)) for name, where in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="seshat", prog_name="seshat")
@click.option("-v", "--verbose", is_flag=True, help="Log what Seshat does (subprocesses, timings).")
def cli(verbose: bool) -> None:
    """Seshat: teach a multilingual LLM an endangered, low-resource language.

    Every command accepts key=value overrides of seshat.yaml, e.g.
    `seshat render profile=strix-halo-cpu training.lr=1e-4`.
    """
    if verbose:
        import logging

        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a :class:`~seshat.errors.SeshatError` becomes one clear paragraph and exit code 1.

    Anything else is a bug and propagates with its traceback.
    """
    from seshat.errors import SeshatError

    try:
        cli.main(args=argv, prog_name="seshat", standalone_mode=False)
    except SeshatError as exc:
        _print_error(exc)
        return 1
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return 0


def _print_error(exc: Exception) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    message = getattr(exc, "message", str(exc))
    problems = getattr(exc, "problems", [])
    hint = getattr(exc, "hint", None)
    console.print(f"[bold red]Error:[/] {escape(message)}")
    for problem in problems:
        console.print(f"  - {escape(str(problem))}")
    if hint:
        console.print(f"[bold]Next:[/] {escape(hint)}")


if __name__ == "__main__":
    sys.exit(main())
