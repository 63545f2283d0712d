"""Check time and strictness: Seshat's strict check next to each backend's own validator.

Target (issue: Seshat core): `seshat check` without a backend import under 1 s. Also prints which
planted mistakes each check catches: the backends' validators let several through.
"""

from __future__ import annotations

import copy
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml
from _common import sample_project, table, time_command

from seshat.config.loader import load_project
from seshat.environments import find_env
from seshat.trainer_config import prepare, render, run_validator

PLANTED = {
    "axolotl": {
        "unknown key lora_rr": ("lora_rr", 8),
        "string for int lora_r": ("lora_r", "ocho"),
        "unknown optimizer": ("optimizer", "adamw_foo"),
        "unknown chat_template": ("chat_template", "qwen33"),
        "bf16 + fp16": ("fp16", True),
    },
    "llamafactory": {
        "unknown key lora_rr": ("lora_rr", 8),
        "string for int lora_rank": ("lora_rank", "ocho"),
        "unknown optimizer": ("optim", "adamw_foo"),
        "unknown template": ("template", "qwen3_nothinkk"),
        "bf16 + fp16": ("fp16", True),
    },
}


def main() -> None:
    """Time both checks per backend and print the tables."""
    project = sample_project()
    seshat = shutil.which("seshat") or f"{sys.prefix}/bin/seshat"
    timing, caught = [], []
    for backend in ("axolotl", "llamafactory"):
        over = [f"backend={backend}", "profile=strix-halo-rocm"]
        median, best = time_command(
            [seshat, "check", "--strict-only", "-C", str(project), *over], 5
        )
        timing.append(
            [
                f"seshat check --strict-only ({backend})",
                f"{median:.3f}",
                f"{best:.3f}",
                "target < 1 s: " + ("met" if median < 1 else "MISSED"),
            ]
        )
        loaded = load_project(project, over)
        prepared = prepare(loaded)
        rendered = render(prepared)
        start = time.perf_counter()
        snapshot = prepared.backend.snapshot()
        prepared.backend.strict_check(rendered, prepared.resolved.profile, snapshot)
        timing.append(
            [
                f"  strict check in-process ({backend})",
                f"{time.perf_counter() - start:.4f}",
                "",
                "snapshot load + check",
            ]
        )
        env = find_env(backend, "cpu")
        folder = Path(tempfile.mkdtemp(prefix="seshat-bench-planted-"))
        paths, names = [], []
        for name, (key, value) in PLANTED[backend].items():
            config = copy.deepcopy(rendered.config)
            config[key] = value
            if key == "fp16":
                config["bf16"] = True
            sub = folder / name.replace(" ", "_").replace("+", "and")
            rendered.write(sub)
            (sub / "backend.yaml").write_text(yaml.safe_dump(config))
            strict = prepared.backend.strict_check(
                type(rendered)(**{**rendered.__dict__, "config": config}),
                prepared.resolved.profile,
                snapshot,
            )
            paths.append(sub / "backend.yaml")
            names.append((name, bool(strict)))
        if env is None:
            timing.append(
                [
                    f"{backend}'s own validator",
                    "-",
                    "-",
                    f"env missing: seshat backend install {backend}",
                ]
            )
            for name, strict in names:
                caught.append([backend, name, "yes" if strict else "no", "-"])
            continue
        start = time.perf_counter()
        one = run_validator(env.python, backend, paths[:1], "rocm", {}, folder / "one.log", project)
        single = time.perf_counter() - start
        timing.append(
            [
                f"{backend}'s own validator (import + 1 config)",
                f"{single:.3f}",
                "",
                "in its env, one process",
            ]
        )
        results = run_validator(env.python, backend, paths, "rocm", {}, folder / "all.log", project)
        assert one
        for (name, strict), path in zip(names, paths, strict=True):
            ok = results[path.resolve()]["ok"]
            caught.append([backend, name, "yes" if strict else "no", "no" if ok else "yes"])
    table("Check time (wall seconds)", ["check", "median", "best", "note"], timing)
    table(
        "Planted mistakes caught",
        ["backend", "mistake", "seshat strict check", "backend's own validator"],
        caught,
    )


if __name__ == "__main__":
    main()
