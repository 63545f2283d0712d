"""The plan: concrete training numbers for one spec on one profile.

Every ``auto`` in the spec becomes a number here, with the reason it was chosen. When the base
model's sizes are known (a local ``config.json`` or the catalogue), the memory planner sizes the
run to the profile's usable memory (see :mod:`seshat.plan.planner`); otherwise the profile's
defaults are used and the plan says that memory was not checked. Render and train read only the
plan, never ``auto``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from seshat.config.models import Method, Project
from seshat.errors import ConfigError
from seshat.plan.catalogue import find_shape
from seshat.plan.planner import Asked, Sizing, accumulation, size_run
from seshat.profiles import Profile

CLOUD_HINT = "cloud-a100-80b"


# the sizes a plan chooses for a run (each a Choice with its reason)
SIZES = (
    "sequence_len",
    "micro_batch_size",
    "gradient_accumulation_steps",
    "gradient_checkpointing",
    "precision",
)


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
    lora_target_modules: Choice | None = None
    modules_to_save: Choice | None = None
    notes: list[str] = field(default_factory=list)
    model: str = ""
    model_origin: str = ""
    memory: dict[str, Any] | None = None

    @property
    def fits(self) -> bool | None:
        """Whether the estimate fits the profile (None: the model's sizes are unknown)."""
        return None if self.memory is None else bool(self.memory["fits"])

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


def _fixed(value: Any) -> Any:
    return None if value == "auto" else value


def make_plan(spec: Project, profile: Profile, project_dir: Path | None = None) -> Plan:
    """Resolve every ``auto`` training value for ``profile`` and check the method fits it.

    Args:
        spec: The validated project config.
        profile: The concrete hardware profile.
        project_dir: The project folder (to read a local base model's ``config.json``).

    Returns:
        The plan. ``plan.fits`` is False when even the last fallback does not fit; the caller
        decides whether that stops it (``seshat train`` does, ``seshat render`` warns).

    Raises:
        ConfigError: The method needs something the profile lacks (QLoRA without 4-bit support).
    """
    training = spec.training
    if training.method is Method.qlora and not profile.supports_4bit:
        raise ConfigError(
            f"training.method is 'qlora', but profile {profile.name!r} has no 4-bit support "
            "(bitsandbytes 4-bit needs a GPU build).",
            f"use `training.method=lora` on {profile.name}, or a GPU profile such as "
            "`profile=strix-halo-rocm`",
        )
    precision = Choice(profile.precision, f"precision of profile {profile.name}")
    notes = list(profile.notes)
    root = project_dir or Path.cwd()
    shape, origin = find_shape(spec.model, root)
    modules = _modules_to_save(spec, root, tied=shape.tied if shape else False)
    if shape is None:
        notes.append(f"Memory not checked: the model's sizes are unknown ({origin}).")
        return replace(
            _profile_defaults(spec, profile, precision, notes, origin), modules_to_save=modules
        )
    asked = Asked(
        method="lora" if training.method is Method.auto else training.method.value,
        method_fixed=training.method is not Method.auto,
        sequence_len=_fixed(training.sequence_len),
        micro_batch_size=_fixed(training.micro_batch_size),
        gradient_checkpointing=_fixed(training.gradient_checkpointing),
        lora_rank=training.lora.rank,
        lora_dropout=training.lora.dropout > 0,
        target_modules=training.lora.target_modules,
        optimizer=_optimizer(training.optimizer),
        train_embeddings=bool(modules.value),
    )
    sizing = size_run(shape, profile, asked)
    plan = _sized_plan(spec, profile, precision, notes, shape.name, origin, sizing)
    return replace(plan, modules_to_save=modules)


def _modules_to_save(spec: Project, root: Path, *, tied: bool) -> Choice:
    """Which whole modules LoRA trains besides its adapters (the embeddings, after an extension)."""
    from seshat.tokenizer.project import is_extended

    wanted = spec.training.train_embeddings
    if spec.training.method is Method.full:
        return Choice([], "full fine-tuning trains every weight")
    if wanted == "auto":
        wanted = is_extended(spec.model.local_path(root))
        why = (
            "'auto': model.base has new tokens (seshat tokenizer extend)"
            if wanted
            else "'auto': the vocabulary is the base model's"
        )
    else:
        why = "training.train_embeddings"
    if not wanted:
        return Choice([], why)
    # a tied output head shares the embedding matrix: training the embedding trains both
    return Choice(["embed_tokens"] if tied else ["embed_tokens", "lm_head"], why)


def _optimizer(name: str) -> str:
    if "8bit" in name:
        return "adamw_8bit"
    return "sgd" if name == "sgd" else "adamw"


def _profile_defaults(
    spec: Project, profile: Profile, precision: Choice, notes: list[str], origin: str
) -> Plan:
    training, defaults = spec.training, profile.defaults
    return Plan(
        method="lora" if training.method is Method.auto else training.method.value,
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
        lora_target_modules=Choice(training.lora.target_modules, "lora.target_modules"),
        notes=notes,
        model=spec.model.base,
        model_origin=origin,
    )


def _sized_plan(
    spec: Project,
    profile: Profile,
    precision: Choice,
    notes: list[str],
    model: str,
    origin: str,
    sizing: Sizing,
) -> Plan:
    training = spec.training
    chosen = sizing.settings
    verdict = (
        f"fits: {sizing.estimate.total:.1f} of {sizing.budget_gb:.1f} GB" if sizing.estimate else ""
    )
    if chosen is None:  # nothing fits: render the last fallback, flagged
        last = sizing.tried[-1].settings
        verdict = (
            f"Does not fit: {model} needs {sizing.tried[-1].estimate_gb:.0f} GB even at the last "
            f"fallback, {profile.name} plans for {sizing.budget_gb:.0f} GB. Use a bigger profile "
            f"(`seshat plan profile={CLOUD_HINT}`, then `seshat launch profile={CLOUD_HINT}`)."
        )
        notes.append(verdict)
        chosen = last
    reasons = sizing.reasons

    def choice(name: str, value: Any) -> Choice:
        if getattr(training, name) != "auto":
            return Choice(getattr(training, name), "set in seshat.yaml or on the command line")
        return Choice(value, "'auto': " + reasons.get(name, "chosen by the memory planner"))

    if training.gradient_accumulation_steps == "auto":
        steps, why = accumulation(chosen.micro_batch_size, profile)
        accumulation_choice = Choice(steps, "'auto': " + why)
    else:
        accumulation_choice = Choice(
            training.gradient_accumulation_steps, "set in seshat.yaml or on the command line"
        )
    targets = Choice(
        sizing.lora_target_modules,
        reasons.get("lora_target_modules", "lora.target_modules"),
    )
    memory = {
        "budget_gb": round(sizing.budget_gb, 1),
        "fits": sizing.fits,
        "verdict": verdict,
        "estimate_gb": sizing.estimate.parts() if sizing.estimate else None,
        "trainable_parameters": sizing.estimate.trainable_parameters if sizing.estimate else None,
        "tried": sizing.table(),
    }
    if "method" in reasons:
        notes.append(f"Method: {reasons['method']}.")
    return Plan(
        method=chosen.method,
        sequence_len=choice("sequence_len", chosen.sequence_len),
        micro_batch_size=choice("micro_batch_size", chosen.micro_batch_size),
        gradient_accumulation_steps=accumulation_choice,
        gradient_checkpointing=choice("gradient_checkpointing", chosen.gradient_checkpointing),
        precision=precision,
        load_in_4bit=chosen.method == "qlora",
        lora_target_modules=targets,
        notes=notes,
        model=model,
        model_origin=origin,
        memory=memory,
    )
