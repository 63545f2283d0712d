"""All the rows in the order a user fixes them; JSON; stop a command when one is broken."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict

from seshat.doctor.env_checks import check_env, check_runtime
from seshat.doctor.facts import Needs, Probe, Row
from seshat.doctor.gpu_checks import check_bitsandbytes, check_rocm
from seshat.doctor.machine_checks import check_wandb, machine_rows
from seshat.kinds import FLAVOUR_DEVICE


def diagnose(probe: Probe, needs: Needs, on_row: Callable[[Row], None] | None = None) -> list[Row]:
    """Every row for ``needs``, in the order a user fixes them."""
    from seshat.environments import planned_env

    rows: list[Row] = []

    def add(*new: Row) -> None:
        for row in new:
            rows.append(row)
            if on_row is not None:
                on_row(row)

    names = {needs.backend: needs.device, "llamacpp": "cpu"}
    installed = {n: planned_env(n, d).installed for n, d in names.items()}
    add(*machine_rows(probe, needs, installed))
    backend_row, torch = check_env(probe, needs.backend, needs.device)
    add(backend_row)
    if FLAVOUR_DEVICE.get(needs.device) == "rocm":
        add(*check_rocm(probe, needs, torch))
    if needs.device != "cpu":
        env = planned_env(needs.backend, needs.device)
        add(check_bitsandbytes(probe, env.python if env.installed else None, needs))
    add(check_env(probe, "llamacpp", "cpu")[0])
    add(*check_runtime(probe))
    add(check_wandb(probe, needs))
    return rows


def to_json(rows: list[Row]) -> str:
    """The rows as JSON (``seshat doctor --json``)."""
    return json.dumps(
        {"ok": not any(r.broken for r in rows), "rows": [asdict(r) for r in rows]}, indent=2
    )


def require(rows: list[Row], what: str) -> None:
    """Stop before ``what`` when a row the project needs is broken, with each fix.

    Raises:
        MachineError: One paragraph naming each broken row and its fix.
    """
    from seshat.errors import MachineError

    broken = [r for r in rows if r.broken]
    if broken:
        found = "; ".join(f"{r.name}: {r.detail} (fix: {r.fix})" for r in broken)
        raise MachineError(
            f"This machine cannot run {what}: {found}.",
            "apply the fixes above, then run `seshat doctor` to check and start again",
        )
