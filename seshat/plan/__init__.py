"""The plan: concrete training numbers for one spec on one profile.

Every ``auto`` in the spec becomes a number here, with the reason it was chosen. Today the numbers
come from the profile's defaults; the memory estimator (``seshat plan``) will size them from the
model and the machine's memory. Render and train read only the plan, never ``auto``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from seshat.config.models import Method, Project
from seshat.errors import ConfigError
from seshat.profiles import Profile


@dataclass(frozen=True)
class Choice:
    """One planned value and why."""

    value: Any
    reason: str


@dataclass(frozen=True)
class Plan:
    """Concrete settings for one run."""

    method: str
    sequence_len: Choice
    micro_batch_size: Choice
    gradient_accumulation_steps: Choice
    gradient_checkpointing: Choice
    precision: Choice
    load_in_4bit: bool
    notes: list[str] = field(default_factory=list)

    def value(self, name: str) -> Any:
        """The planned value of a :class:`Choice` field."""
        return getattr(self, name).value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``plan.json``)."""
        return asdict(self)


def _pick(user: Any, default: Any, name: str, profile: Profile) -> Choice:
    if user != "auto":
        return Choice(user, "set in seshat.yaml or on the command line")
    return Choice(default, f"'auto': default of profile {profile.name} for {name}")


def make_plan(spec: Project, profile: Profile) -> Plan:
    """Resolve every ``auto`` training value for ``profile`` and check the method fits it.

    Args:
        spec: The validated project config.
        profile: The concrete hardware profile.

    Returns:
        The plan.

    Raises:
        ConfigError: The method needs something the profile lacks (QLoRA without 4-bit support).
    """
    training = spec.training
    defaults = profile.defaults
    if training.method is Method.qlora and not profile.supports_4bit:
        raise ConfigError(
            f"training.method is 'qlora', but profile {profile.name!r} has no 4-bit support "
            "(bitsandbytes 4-bit needs a GPU build).",
            f"use `training.method=lora` on {profile.name}, or a GPU profile such as "
            "`profile=strix-halo-rocm`",
        )
    precision = Choice(profile.precision, f"precision of profile {profile.name}")
    notes = list(profile.notes)
    return Plan(
        method=training.method.value,
        sequence_len=_pick(training.sequence_len, defaults.sequence_len, "sequence_len", profile),
        micro_batch_size=_pick(
            training.micro_batch_size, defaults.micro_batch_size, "micro_batch_size", profile
        ),
        gradient_accumulation_steps=_pick(
            training.gradient_accumulation_steps,
            defaults.gradient_accumulation_steps,
            "gradient_accumulation_steps",
            profile,
        ),
        gradient_checkpointing=_pick(
            training.gradient_checkpointing,
            defaults.gradient_checkpointing,
            "gradient_checkpointing",
            profile,
        ),
        precision=precision,
        load_in_4bit=training.method is Method.qlora,
        notes=notes,
    )
