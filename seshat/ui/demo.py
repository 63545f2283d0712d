"""``seshat demo RUN``: the Gradio app, in the llama.cpp runtime env, on 127.0.0.1 by default.

Seshat writes the app's config (the project's prompts, the run's scores and the data's access
level), then runs ``app.py`` with the runtime env's Python and stops it on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seshat.access import Gate
from seshat.config.loader import LoadedProject
from seshat.config.models import Destination
from seshat.environments import require_env
from seshat.eval.evaluate import RUNTIME, latest_scores, pick_gguf
from seshat.export.card import ACCESS_NOTE
from seshat.labels.applied import run_labels
from seshat.paths import PACKAGE_DIR
from seshat.runs.rundir import RunDir, find_run
from seshat.serve.prompts import prompt_book
from seshat.serve.server import admit, check_port, free_port, supervised
from seshat.yamlio import atomic_write_text

APP = PACKAGE_DIR / "ui" / "app.py"


def _scores(run: RunDir) -> dict[str, Any]:
    """The headline chrF++ and verdict per task of the latest evaluation."""
    record = latest_scores(run) or {"tasks": {}}
    return {
        task: {"chrf++": e["scores"]["chrf++"]["score"], "beats_controls": e["beats_controls"]}
        for task, e in record["tasks"].items()
    }


def demo_config(project: LoadedProject, run: RunDir, gguf: Path, level: str) -> dict[str, Any]:
    """What the app shows: prompts, names, scores, the model's inherited access level, labels.

    The labels are the Local Contexts labels the run's data carried (from its spec).
    """
    return {
        "run": run.run_id,
        "model": gguf.name,
        "prompts": prompt_book(project),
        "scores": _scores(run),
        "access": level,
        "access_note": ACCESS_NOTE.get(level, ""),
        "labels": [label.to_dict() for label in run_labels(run.path)],
    }


@contextlib.contextmanager
def running_demo(
    project: LoadedProject,
    name: str,
    *,
    quant: str | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    gate: Gate | None = None,
) -> Iterator[str]:
    """Start the demo, wait until it answers, yield its URL, always stop it.

    Raises:
        AccessError: The access policy does not allow this model in the demo (or on ``host``).
    """
    run = find_run(project.root, name)
    gguf = pick_gguf(run, quant)
    gate = gate or Gate(project.root, project.spec.access)
    level = admit(gate, run, Destination.demo_ui, host)
    runtime = require_env(RUNTIME, "cpu")
    port = port or free_port(host)
    check_port(host, port)
    config_path = run.path / "demo.json"
    atomic_write_text(
        config_path, json.dumps(demo_config(project, run, gguf, level), indent=2) + "\n"
    )
    argv = [str(runtime.python), str(APP), "--config", str(config_path), "--gguf", str(gguf)]
    argv += ["--host", host, "--port", str(port)]
    url = f"http://{host}:{port}/"
    with supervised(argv, run.logs / "demo.log", url, "demo app", startup_timeout=240, gguf=gguf):
        yield url
