"""``seshat serve``, ``seshat translate`` and ``seshat demo``."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from seshat.cli.options import boolean, gate, load, project_option, run_settings

SERVE_SETTINGS = {"quant": str, "host": str, "port": int, "public": boolean}


def _serving(args: tuple[str, ...], project_dir: Path) -> tuple[str, dict[str, Any], str, Path]:
    """Run name, settings, host (loopback unless public=true) and project folder."""
    from seshat.serve.server import refuse_public_host

    names, settings, project_dir = run_settings(args, SERVE_SETTINGS, project_dir)
    host = settings.get("host", "127.0.0.1")
    refuse_public_host(host, settings.get("public", False))
    return (names[0] if names else "latest"), settings, host, project_dir


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the command as Ctrl-C does, so the server it started is stopped.

    Python's default for both is to die on the spot, skipping the ``finally`` that stops the
    llama.cpp server or Gradio app (which runs in a session of its own and would stay listening).
    """

    def interrupt(number: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(number).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _until_interrupted(alive: Callable[[], bool], what: str) -> None:
    """Wait while ``alive()``; Ctrl-C ends the wait (the caller's context stops the process)."""
    try:
        while alive():
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo(f"Stopping the {what}.")


@click.command()
@project_option
@click.argument("args", nargs=-1, metavar="[RUN] [KEY=VALUE]...")
def serve(project_dir: Path, args: tuple[str, ...]) -> None:
    """Serve RUN's GGUF with llama.cpp's OpenAI-compatible API (127.0.0.1; port=, quant=)."""
    import secrets

    from seshat.config.models import Destination
    from seshat.environments import require_env
    from seshat.eval.evaluate import RUNTIME, pick_gguf
    from seshat.runs.rundir import find_run
    from seshat.serve.server import LOOPBACK, admit, exit_error, running_server

    name, settings, host, project_dir = _serving(args, project_dir)
    run = find_run(project_dir.resolve(), name)
    gguf = pick_gguf(run, settings.get("quant"))
    admit(gate(project_dir, settings), run, Destination.served_api, host)
    runtime = require_env(RUNTIME, "cpu")
    # beyond this machine, every request needs a key: made now, shown once, never written
    api_key = None if host in LOOPBACK else secrets.token_urlsafe(24)
    with (
        _stopped_by_signals(),
        running_server(
            runtime,
            gguf,
            run.logs / "serve.log",
            host=host,
            port=settings.get("port", 8080),
            api_key=api_key,
        ) as server,
    ):
        click.echo(f"Serving {gguf.name} of {run.run_id} at {server.url} (Ctrl-C stops it).")
        if api_key:
            click.echo(
                f"API key (shown once, not saved): {api_key}\n"
                f"Every request needs the header `Authorization: Bearer {api_key}`."
            )
        _until_interrupted(lambda: server.process.poll() is None, "server")
        if server.process.returncode not in (None, 0):
            raise exit_error(server.process, server.log, "llama.cpp server", gguf)


@click.command()
@project_option
@click.argument("args", nargs=-1, metavar="[RUN] TEXT [KEY=VALUE]...")
@click.option("--to", "to", required=True, help="Language to translate into (code or name).")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Translate every line of this file (UTF-8) instead of TEXT.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write lines here.")
@click.option(
    "--max-tokens",
    type=click.IntRange(1, 4096),
    default=256,
    show_default=True,
    help="Most tokens of an answer (each is also bounded by its input's length).",
)
def translate(
    project_dir: Path,
    args: tuple[str, ...],
    to: str,
    file: Path | None,
    out: Path | None,
    max_tokens: int,
) -> None:
    """Translate TEXT (or --file) with RUN's model, worded as in training."""
    from seshat.serve.translate import translate as run_translate
    from seshat.yamlio import atomic_write_text

    words, settings, project_dir = run_settings(args, {"quant": str, "run": str}, project_dir)
    name = settings.get("run", "latest")
    if file is None and len(words) >= 2:
        name, words = words[0], words[1:]
    texts = file.read_text(encoding="utf-8").splitlines() if file is not None else [" ".join(words)]
    project = load(project_dir, ())
    answers = run_translate(
        project, name, texts, to, quant=settings.get("quant"), max_tokens=max_tokens
    )
    if out is not None:
        atomic_write_text(out, "".join(a.replace("\n", " ") + "\n" for a in answers))
        click.echo(f"Wrote {len(answers)} translations to {out}.")
    else:
        for answer in answers:
            click.echo(answer)


@click.command()
@project_option
@click.argument("args", nargs=-1, metavar="[RUN] [KEY=VALUE]...")
def demo(project_dir: Path, args: tuple[str, ...]) -> None:
    """The Gradio demo: translation, dictionary and grammar tabs (127.0.0.1; port=, quant=)."""
    from seshat.ui.demo import running_demo

    name, settings, host, project_dir = _serving(args, project_dir)
    project = load(project_dir, tuple(settings.pop("access", [])))
    with (
        _stopped_by_signals(),
        running_demo(
            project,
            name,
            quant=settings.get("quant"),
            host=host,
            port=settings.get("port", 7860),
        ) as url,
    ):
        click.echo(f"Demo at {url} (Ctrl-C stops it).")
        _until_interrupted(lambda: True, "demo")
