"""``seshat launch``: the same spec, trained on rented GPUs through SkyPilot.

Seshat renders a SkyPilot task from the project and a cloud profile, checks it offline with
``sky.Task.from_yaml`` (in SkyPilot's own venv: it pins click < 8.2), and runs ``sky launch``
there. The task installs Seshat and the backend env on the machine, mounts only the config, the
formatted splits (with their access sidecars) and a local base model, runs ``seshat train``, and
the run folders are copied back. The access policy decides first: by default nothing above
``public`` goes to a cloud. Secrets are never written into the task; SkyPilot reads them from the
launching shell (``--secret NAME``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from seshat import __version__
from seshat.access import Decision, Gate, base_model_holdings, splits_record
from seshat.config.loader import LoadedProject
from seshat.config.models import Destination
from seshat.environments import require_env
from seshat.envs.managed import ManagedEnv, activated
from seshat.errors import ConfigError, SeshatError, TemplateError
from seshat.paths import PACKAGE_DIR
from seshat.process.runner import run_logged
from seshat.secrets import secret_environment
from seshat.stamps import utc_now
from seshat.templating import environment
from seshat.trainer_config import prepare
from seshat.yamlio import atomic_write_text, dump_yaml

LAUNCH_DIR = Path(".seshat") / "launch"
REMOTE_PROJECT = "~/seshat-project"
REMOTE_SOURCE = "~/seshat-src"
SKYPILOT = "skypilot"
SOURCE_PARTS = ("pyproject.toml", "README.md", "seshat", "templates", "profiles", "examples")


@dataclass(frozen=True)
class CloudTask:
    """A rendered SkyPilot task.

    Attributes:
        name: Task and cluster name.
        folder: ``.seshat/launch/<name>/``: task, remote config, mounts list, launch record.
        task: The task YAML.
        mounts: Remote path -> local path of every file mount.
        secrets: Names of the secrets passed with ``--secret`` (values never written).
        decision: The access gate's decision for ``cloud_launch``.
    """

    name: str
    folder: Path
    task: Path
    mounts: dict[str, str]
    secrets: list[str]
    decision: Decision


def _remote(rel: Path, root: Path, what: str) -> str:
    """The remote path of a project file (it must be inside the project)."""
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ConfigError(
            f"{what} {rel} is outside the project folder {root}; a cloud task mounts project files.",
            "move it into the project folder",
        )
    return f"{REMOTE_PROJECT}/{path.relative_to(root.resolve()).as_posix()}"


def _seshat_source() -> tuple[dict[str, str], str]:
    """Mounts and the pip argument that install this Seshat on the remote machine."""
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():  # a source checkout: send the same code
        mounts = {
            f"{REMOTE_SOURCE}/{part}": str(checkout / part)
            for part in SOURCE_PARTS
            if (checkout / part).exists()
        }
        return mounts, REMOTE_SOURCE
    return {}, f"seshat=={__version__}"


def render_task(project: LoadedProject, gate: Gate | None = None) -> CloudTask:
    """Render (and write) the SkyPilot task of ``project`` on its cloud profile.

    Raises:
        ConfigError: The profile is not a cloud profile, or the data is missing.
        AccessError: The access policy keeps the data off the cloud (sources and records named).
    """
    prepared = prepare(project)
    profile = prepared.resolved.profile
    root, spec = project.root, project.spec
    if profile.cloud is None:
        raise ConfigError(
            f"Profile {profile.name!r} is not a cloud profile (it has no `cloud:` section).",
            "launch with a cloud profile, e.g. `seshat launch profile=cloud-a100-80b`",
        )
    splits = {"train": spec.data.train, "dev": spec.data.dev, "test": spec.data.test}
    present = {k: v for k, v in splits.items() if v is not None and (root / v).is_file()}
    if "train" not in present:
        raise ConfigError(
            f"The train split {root / spec.data.train} does not exist.",
            "write the splits with `seshat data run`, then launch again",
        )
    held, _ = splits_record({k: root / v for k, v in present.items()})
    declared = {k: v.value for k, v in spec.access.models.items()}
    held.merge(base_model_holdings(root, spec.model.base, declared))  # a base model a run made
    name = f"seshat-{spec.name}-{profile.name}".lower().replace("_", "-").replace(".", "-")
    decision = (gate or Gate(root, spec.access)).require(
        Destination.cloud_launch, held, f"the training data of {spec.name} (to {profile.name})"
    )
    folder = root / LAUNCH_DIR / name
    remote_spec = spec.model_dump(mode="json", by_alias=False) | {
        "sources": [],  # the remote machine trains on the formatted splits, never the raw sources
        "profile": profile.name,
    }
    mounts = {f"{REMOTE_PROJECT}/seshat.yaml": str(folder / "seshat.yaml")}
    for split, rel in present.items():
        mounts[_remote(rel, root, f"data.{split}")] = str(root / rel)
        sidecar = (root / rel).with_suffix(".meta.jsonl")
        if sidecar.is_file():
            mounts[_remote(rel.with_suffix(".meta.jsonl"), root, f"data.{split}")] = str(sidecar)
    local_model = spec.model.local_path(root)
    if local_model is not None:
        rel_model = Path(os.path.relpath(local_model, root.resolve()))
        mounts[_remote(rel_model, root, "model.base")] = str(local_model)
        remote_spec["model"]["base"] = f"./{rel_model.as_posix()}"
    source_mounts, install = _seshat_source()
    mounts |= source_mounts
    secrets = sorted(secret_environment())  # names only
    try:
        text = (
            environment(root, yaml_output=True)
            .get_template("skypilot/task.yaml.j2")
            .render(
                name=name,
                profile=profile,
                backend=spec.backend,
                wandb_mode=spec.tracking.wandb.mode,
                secrets=secrets,
                mounts=mounts,
                install=install,
                project_dir=REMOTE_PROJECT,
                train_args=f"profile={profile.name}",
            )
        )
    except jinja2.TemplateError as exc:  # missing, syntax, undefined, or refused by the sandbox
        raise TemplateError(
            f"The SkyPilot template skypilot/task.yaml.j2 cannot be rendered: {exc}.",
            "fix your project's templates/skypilot/task.yaml.j2, or delete it to use the shipped one",
        ) from None
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "seshat.yaml", dump_yaml(remote_spec))
    atomic_write_text(folder / "task.yaml", text)
    atomic_write_text(folder / "mounts.json", json.dumps(mounts, indent=2, sort_keys=True) + "\n")
    return CloudTask(name, folder, folder / "task.yaml", mounts, secrets, decision)


def validate_task(task: Path, env: ManagedEnv | None = None) -> None:
    """Check the task offline with ``sky.Task.from_yaml`` in SkyPilot's venv.

    Raises:
        SeshatError: SkyPilot rejects it (its message quoted).
        BackendEnvError: The SkyPilot env is not installed.
    """
    env = env or require_env(SKYPILOT, "cpu")
    code = "import sys, sky; sky.Task.from_yaml(sys.argv[1]); print('valid')"
    log = task.with_name("validate.log")
    done = run_logged([env.python, "-c", code, task], log, env=activated(env.path, {}))
    if not done.ok:
        tail = "\n    ".join(done.tail[-6:])
        raise SeshatError(
            f"SkyPilot rejects the rendered task {task}:\n    {tail}",
            "fix the cloud section of the profile or templates/skypilot/task.yaml.j2 "
            f"(full output: {log})",
        )


def launch(
    project: LoadedProject,
    task: CloudTask,
    keep: bool = False,
    on_line: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run ``sky launch``, copy the run folders back, and take the cluster down (unless ``keep``).

    Raises:
        SeshatError: A SkyPilot step failed (its log and next step named).
    """
    env = require_env(SKYPILOT, "cpu")
    sky = env.bin("sky")
    log = task.folder / "launch.log"
    environ = activated(env.path, dict(os.environ) | secret_environment())
    record: dict[str, Any] = {"task": str(task.task), "started_at": utc_now(), "steps": []}

    def step(what: str, argv: list[str | Path]) -> None:
        done = run_logged(argv, log, on_line=on_line, env=environ, cwd=project.root)
        record["steps"].append({"step": what, "exit_code": done.returncode})
        atomic_write_text(task.folder / "launch.json", json.dumps(record, indent=2) + "\n")
        if not done.ok:
            tail = "\n    ".join(done.tail[-8:])
            raise SeshatError(
                f"`{what}` failed (exit code {done.returncode}):\n    {tail}",
                f"read {log}; `{sky} check` shows which clouds are set up; "
                f"`{sky} down {task.name}` stops a cluster that is still up",
            )

    secret_flags = [flag for name in task.secrets for flag in ("--secret", name)]
    step("sky launch", [sky, "launch", "-c", task.name, "--yes", *secret_flags, task.task])
    (project.root / "runs").mkdir(exist_ok=True)
    step("copy runs back", ["rsync", "-a", f"{task.name}:{REMOTE_PROJECT}/runs/", "runs/"])
    if not keep:
        step("sky down", [sky, "down", "--yes", task.name])
    record["ended_at"] = utc_now()
    atomic_write_text(task.folder / "launch.json", json.dumps(record, indent=2) + "\n")
    return record
