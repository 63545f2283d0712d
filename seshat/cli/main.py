"""Entry point and error boundary of the ``seshat`` command.

Subcommands live in their own modules and are imported only when run, so that ``seshat --help``
stays fast and never imports pydantic, torch, transformers or a backend.
"""

from __future__ import annotations

import importlib
import sys

import click

# name -> (module, attribute, one-line help shown by `seshat --help` without importing the module)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("seshat.cli.project", "init", "Create a project folder with a commented seshat.yaml."),
    "config": ("seshat.cli.project", "config", "Show the resolved config or every accepted key."),
    "doctor": (
        "seshat.cli.doctor",
        "doctor",
        "Check this machine for the project: programs, disk, memory, envs, GPU, llama.cpp.",
    ),
    "profiles": ("seshat.cli.profiles", "profiles", "List, show or copy hardware profiles."),
    "backend": ("seshat.cli.backend", "backend", "Install and list the backends' managed venvs."),
    "data": ("seshat.cli.data", "data", "Ingest the sources and build the training data."),
    "render": ("seshat.cli.render", "render", "Render the backend config for a profile."),
    "check": (
        "seshat.cli.render",
        "check",
        "Render, then check strictly and with the backend's validator.",
    ),
    "plan": ("seshat.cli.plan", "plan", "Size a run to the profile's memory and explain it."),
    "model": (
        "seshat.cli.model",
        "model",
        "Download a base model, or import a GGUF file, into models/.",
    ),
    "tokenizer": (
        "seshat.cli.tokenizer",
        "tokenizer",
        "Measure the base tokenizer on the language, or extend it.",
    ),
    "train": ("seshat.cli.train", "train", "Train through the backend into a new run directory."),
    "launch": ("seshat.cli.launch", "launch", "Train on rented GPUs through SkyPilot."),
    "runs": ("seshat.cli.runs", "runs", "List, show, compare and sync runs."),
    "merge": ("seshat.cli.merge", "merge", "Merge a run's adapter into its base model."),
    "eval": ("seshat.cli.evaluate", "eval_", "Score a run on the test split, beside controls."),
    "report": ("seshat.cli.evaluate", "report", "Write an HTML report of one or more runs."),
    "export": ("seshat.cli.export", "export", "Merge, convert, quantize and verify a GGUF."),
    "audit": (
        "seshat.cli.audit",
        "audit",
        "What data flowed into a run or file, and where it went.",
    ),
    "serve": ("seshat.cli.serve", "serve", "Serve a run's GGUF (OpenAI-compatible API)."),
    "translate": ("seshat.cli.serve", "translate", "Translate text with a run's model."),
    "demo": ("seshat.cli.serve", "demo", "The Gradio demo of a run's model."),
    "quickstart": (
        "seshat.cli.quickstart",
        "quickstart",
        "Run Seshat's main job on the bundled sample.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """All command names, in declaration order."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return one command."""
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands with their short help, without importing them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_) for name, (_, _, help_) in COMMANDS.items()])


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
