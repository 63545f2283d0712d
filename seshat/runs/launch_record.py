"""``launch.json``: the exact command and environment of a run, so a resume starts the same thing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from seshat.runs.rundir import RunDir

SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL", re.I)


@dataclass(frozen=True)
class Launch:
    """How a run's backend is started, saved as ``launch.json`` so a resume runs the same command.

    Attributes:
        backend: Backend name.
        flavour: Torch flavour of the backend env (cpu, rocm, cuda).
        argv: The command, program name first (found in the env's ``bin/`` at launch).
        env: Variables Seshat and the profile set (names that look like secrets are never saved).
        logging_steps: Steps between logged metrics (numbers Axolotl's step-less lines).
        tracking: ``tracking.wandb`` of the spec (mode, project, entity).
    """

    backend: str
    flavour: str
    argv: list[str]
    env: dict[str, str]
    logging_steps: int
    tracking: dict[str, Any] = field(default_factory=dict)

    def save(self, run: RunDir) -> None:
        """Write ``launch.json`` into the run dir, leaving out secret-looking variables."""
        safe = {k: v for k, v in self.env.items() if not SECRET_NAME.search(k)}
        run.write_json("launch.json", {**self.__dict__, "env": safe})

    @classmethod
    def load(cls, run: RunDir) -> Launch:
        """Read ``launch.json`` of ``run``."""
        return cls(**run.read_json("launch.json"))
