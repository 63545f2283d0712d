"""The plan: concrete training numbers for one spec on one profile.

Every ``auto`` in the spec becomes a number here, with the reason it was chosen. When the base
model's sizes are known (a local ``config.json`` or the catalogue), the memory planner sizes the
run to the profile's usable memory (see :mod:`seshat.plan.planner`); otherwise the profile's
defaults are used and the plan says that memory was not checked. Render and train read only the
plan, never ``auto``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from seshat.config.models import Method, Project
from seshat.errors import ConfigError
from seshat.machine import MachineFacts
from seshat.plan.catalogue import find_shape
from seshat.plan.data_lengths import DataLengths, measure
from seshat.plan.planner import Asked, Sizing, accumulation, size_run
from seshat.plan.speedups import RunFacts, decide
from seshat.plan.timing import (
    duration,
    estimate_time,
    evaluation_seconds,
    throughput,
    training_steps,
)
from seshat.profiles import Profile

CLOUD_HINT = "cloud-a100-80b"
MULTI_GPU_HINT = "cloud-4xh100"


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
    threads: Choice | None = None
    machine: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    time: dict[str, Any] | None = None
    eval_steps: Choice | None = None
    speedups: dict[str, Choice] = field(default_factory=dict)
    eval_in_training: Choice | None = None

    def on(self, speedup: str) -> bool:
        """Whether the throughput feature ``speedup`` is on for this run."""
        choice = self.speedups.get(speedup)
        return bool(choice and choice.value)

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


@dataclass(frozen=True)
class Trainer:
    """What the plan needs to know of the trainer and its env.

    Attributes:
        offered: The throughput features the trainer offers (``Backend.speedups``).
        env_packages: Package names in the trainer env for the profile's torch build (None: that
            env is not installed here).
        excludes: Features the trainer cannot combine (``Backend.speedup_excludes``).
    """

    offered: frozenset[str] = frozenset()
    env_packages: frozenset[str] | None = None
    excludes: dict[str, tuple[str, str]] = field(default_factory=dict)


def make_plan(
    spec: Project,
    profile: Profile,
    project_dir: Path | None = None,
    machine: MachineFacts | None = None,
    trainer: Trainer | None = None,
) -> Plan:
    """Resolve every ``auto`` training value for ``profile`` and check the method fits it.

    Args:
        spec: The validated project config.
        profile: The concrete hardware profile.
        project_dir: The project folder (to read a local base model's ``config.json``).
        machine: The machine the run will use, for a profile that describes the machine Seshat
            runs on (not a cloud one): the plan takes the smaller of its memory and the
            profile's, and its cores for threads. None: the profile alone.
        trainer: The trainer's throughput features and its env's packages (None: none offered).

    Returns:
        The plan. ``plan.fits`` is False when even the last fallback does not fit; the caller
        decides whether that stops it (``seshat train`` does, ``seshat render`` warns).

    Raises:
        ConfigError: The method needs something the profile lacks (QLoRA without 4-bit support).
    """
    root = project_dir or Path.cwd()
    made = _make_plan(spec, profile, project_dir, machine, trainer or Trainer())
    plan = _with_measured(made, spec, profile, root)
    if not profile.eval_in_training:
        why = (
            f"profile {profile.name}: evaluating inside the training process is unsafe there; "
            "the dev loss is measured by a separate pass after training"
        )
        notes = [*plan.notes, f"Dev loss: {why}."] if spec.data.dev else plan.notes
        return replace(plan, eval_in_training=Choice(False, why), notes=notes)
    rhythm = _eval_rhythm(spec, plan, root, profile.world_size)
    plan = replace(plan, eval_in_training=Choice(True, f"profile {profile.name}"))
    return _with_eval_time(replace(plan, eval_steps=rhythm))


PROBES = Path(".seshat/probes.json")  # `seshat plan --measure` results, by probe_key


def probe_key(spec: Project, profile: Profile, root: Path, sequence_len: Any) -> str | None:
    """What a measured step time depends on: model, profile, method, rank, data, length."""
    from seshat.stamps import sha256_file

    train = root / spec.data.train
    if not train.is_file():
        return None
    parts = [
        spec.model.base,
        profile.name,
        spec.training.method.value,
        str(spec.training.lora.rank),
        str(sequence_len),
        sha256_file(train),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def measured_shapes(root: Path, key: str | None) -> list[dict[str, Any]]:
    """The step times ``seshat plan --measure`` recorded for ``key`` (empty: not measured)."""
    if key is None or not (root / PROBES).is_file():
        return []
    try:
        found = json.loads((root / PROBES).read_text(encoding="utf-8")).get(key) or {}
    except (OSError, ValueError, AttributeError):
        return []
    shapes = found.get("shapes") if isinstance(found, dict) else None
    return [s for s in shapes or [] if isinstance(s, dict) and s.get("step_s")]


def _with_measured(plan: Plan, spec: Project, profile: Profile, root: Path) -> Plan:
    """Micro-batch and accumulation from the measured probe, when it ran for this setup."""
    training = spec.training
    if training.micro_batch_size != "auto" or training.gradient_accumulation_steps != "auto":
        return plan
    if not (root / PROBES).is_file():  # never measured: no need to hash the data
        return plan
    shapes = measured_shapes(root, probe_key(spec, profile, root, plan.value("sequence_len")))
    if not shapes:
        return plan
    best = min(shapes, key=lambda s: (s["step_s"], -s["micro_batch_size"]))
    said = ", ".join(
        f"{s['micro_batch_size']} x {s['gradient_accumulation_steps']}: {s['step_s']:.2f} s"
        for s in sorted(shapes, key=lambda s: s["step_s"])
    )
    why = f"measured (`seshat plan --measure`), per optimizer step: {said}"
    plan = replace(
        plan,
        micro_batch_size=Choice(best["micro_batch_size"], why),
        gradient_accumulation_steps=Choice(best["gradient_accumulation_steps"], why),
    )
    if plan.time is not None:
        steps = int(plan.time["total_steps"])
        timing = {
            **plan.time,
            "step_s": best["step_s"],
            "total_s": plan.time["total_s"] - plan.time["step_s"] * steps + best["step_s"] * steps,
            "basis": "measured by `seshat plan --measure`",
        }
        plan = replace(plan, time=timing)
    return plan


EVALUATIONS = 10  # dev-loss points per run, whatever its length
FEWEST = 5  # never fewer, even where evaluating is expensive
EVAL_SHARE = 0.15  # evaluating should take no more than this share of the run


def _with_eval_time(plan: Plan) -> Plan:
    """The time estimate with the dev evaluations the run will make."""
    if plan.time is None or plan.eval_steps is None or "eval_s_each" not in plan.time:
        return plan
    count = int(plan.time["total_steps"]) // max(1, int(plan.eval_steps.value)) + 1  # + step 0
    extra = count * float(plan.time["eval_s_each"])
    timing = {**plan.time, "evaluations": count, "total_s": plan.time["total_s"] + extra}
    notes = [
        *plan.notes,
        f"Dev evaluations: {count}, about {duration(extra)} in all (included in the time).",
    ]
    return replace(plan, time=timing, notes=notes)


def planned_steps(spec: Project, plan: Plan, root: Path, devices: int = 1) -> int | None:
    """Optimizer steps the run will take.

    The time estimate's when there is one, else from the training file's examples; None when
    there is no formatted data yet.
    """
    if plan.time is not None:
        return int(plan.time["total_steps"])
    path = root / spec.data.train
    try:
        with open(path, "rb") as handle:
            examples = sum(1 for line in handle if line.strip())
    except OSError:
        return None
    per_step = plan.value("micro_batch_size") * plan.value("gradient_accumulation_steps")
    training = spec.training
    return training_steps(examples, per_step * devices, training.epochs, training.max_steps)[1]


def _eval_rhythm(spec: Project, plan: Plan, root: Path, devices: int = 1) -> Choice | None:
    """Evaluate on dev about ten times per run (steps, not epochs), when its length is known."""
    training = spec.training
    if training.eval_steps is not None:
        return Choice(training.eval_steps, "training.eval_steps")
    if plan.time is not None:
        total = int(plan.time["total_steps"])
        each, train_s = plan.time.get("eval_s_each"), plan.time["step_s"] * total
        if each and EVALUATIONS * each > EVAL_SHARE * train_s:
            # a large dev set on a slow machine: fewer evaluations, at least FEWEST
            count = max(FEWEST, int(EVAL_SHARE * train_s / each))
            steps = max(1, total // count)
            return Choice(
                steps,
                f"{count} dev evaluations in the run's {total} steps: one takes "
                f"{duration(each)}, and evaluating should stay near {int(EVAL_SHARE * 100)} % "
                "of the run",
            )
    else:
        total = planned_steps(spec, plan, root, devices)
        if total is None:
            return None  # the length is not known yet: the template falls back to each epoch
    steps = max(1, total // EVALUATIONS)
    return Choice(steps, f"about {EVALUATIONS} dev evaluations in the run's {total} steps")


def _make_plan(
    spec: Project,
    profile: Profile,
    project_dir: Path | None,
    machine: MachineFacts | None,
    trainer: Trainer,
) -> Plan:
    """:func:`make_plan` without the evaluation rhythm."""
    training = spec.training
    if training.method is Method.qlora and not profile.supports_4bit:
        why = profile.no_4bit_reason or "bitsandbytes 4-bit needs a GPU build"
        raise ConfigError(
            f"training.method is 'qlora', but profile {profile.name!r} has no 4-bit support: "
            f"{why}.",
            f"use `training.method=lora` on {profile.name}, or a profile with 4-bit such as "
            f"`profile={CLOUD_HINT}`",
        )
    precision = Choice(profile.precision, f"precision of profile {profile.name}")
    notes = list(profile.notes)
    local = machine if profile.cloud is None else None
    threads = _threads(profile, local)
    profile, facts = _fit_to_machine(profile, local, notes)
    root = project_dir or Path.cwd()
    shape, origin = find_shape(spec.model, root)
    modules = _modules_to_save(spec, root, tied=shape.tied if shape else False)
    speedups = _speedups(spec, profile, root, trainer)
    if shape is None:
        notes.append(f"Memory not checked: the model's sizes are unknown ({origin}).")
        return replace(
            _profile_defaults(spec, profile, precision, notes, origin),
            modules_to_save=modules,
            threads=threads,
            machine=facts,
            speedups=speedups,
        )
    data = _data_lengths(spec, root)
    data_len = data.sequence_len() if data is not None and training.sequence_len == "auto" else None
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
        data_sequence_len=data_len,
        data_reason=(
            f"from the data: covers 99.5 % of the {data.examples} training examples "
            f"(longest {data.longest} tokens)"
            if data is not None
            else ""
        ),
        liger=bool(speedups["liger_kernel"].value),
    )
    sizing = size_run(shape, profile, asked)
    packing = data if speedups["sample_packing"].value else None
    plan = _sized_plan(spec, profile, precision, notes, shape.name, origin, sizing, facts, packing)
    plan = replace(plan, modules_to_save=modules, threads=threads, machine=facts, speedups=speedups)
    if data is None:
        notes.append(
            "Sequence length and time not measured: no formatted training data yet, or the "
            "base model's tokenizer.json is not local (`seshat data run`, `seshat model pull`)."
        )
        return plan
    return _with_data(plan, spec, profile, shape, data, threads, root)


def _speedups(spec: Project, profile: Profile, root: Path, trainer: Trainer) -> dict[str, Choice]:
    """Each throughput feature the profile offers: on where the run allows it, and why."""
    from seshat.model_family import detect_family

    facts = RunFacts(
        backend=spec.backend,
        offered=trainer.offered,
        method="lora" if spec.training.method is Method.auto else spec.training.method.value,
        family=detect_family(spec.model, root),
        trust_remote_code=spec.model.trust_remote_code,
        env_packages=trainer.env_packages,
        excludes=trainer.excludes,
    )
    return {name: Choice(on, why) for name, (on, why) in decide(profile, facts).items()}


def _data_lengths(spec: Project, root: Path) -> DataLengths | None:
    local = spec.model.local_path(root)
    if local is None:
        return None
    return measure(local, root / spec.data.train)


def _with_data(
    plan: Plan,
    spec: Project,
    profile: Profile,
    shape: Any,
    data: DataLengths,
    threads: Choice | None,
    root: Path,
) -> Plan:
    """The plan with the data's lengths, the examples it cuts, and the time it will take."""
    length = plan.value("sequence_len")
    cut = data.cut_at(length)
    summary = {
        "examples": data.examples,
        "mean_tokens": round(data.mean, 1),
        "p995_tokens": data.p995,
        "longest_tokens": data.longest,
        "cut_at_sequence_len": cut,
    }
    notes = list(plan.notes)
    notes.append(
        f"Data: {data.examples} training examples, mean {data.mean:.0f} tokens, 99.5 % within "
        f"{data.p995}, longest {data.longest}; {cut} longer than sequence_len {length} "
        f"{'are' if cut != 1 else 'is'} cut."
    )
    cores = int(threads.value) if threads is not None and str(threads.value).isdigit() else None
    accelerators = profile.cloud.accelerators if profile.cloud else None
    rate = throughput(profile.device, cores, accelerators, profile.world_size)
    micro, accumulation = plan.value("micro_batch_size"), plan.value("gradient_accumulation_steps")
    packed = plan.on("sample_packing")
    per_row = data.per_packed_row(length) if packed else 1.0
    per_step = micro * accumulation * profile.world_size * per_row
    steps = training_steps(data.examples, per_step, spec.training.epochs, spec.training.max_steps)
    took = estimate_time(
        shape, data, micro, accumulation, steps, rate, packed_len=length if packed else None
    )
    if packed:
        summary["examples_per_packed_row"] = round(per_row, 2)
        notes.append(
            f"Packing: rows of {length} tokens hold {per_row:.1f} examples each on average "
            f"(best fit of the data's lengths); without it each example is padded to its "
            f"micro-batch's longest."
        )
    notes.append(
        f"Time ({took.basis}): {took.step_s:.1f} s per optimizer step, {took.steps_per_epoch} "
        f"steps per epoch, {took.total_steps} steps in all: about {duration(took.total_s)}."
    )
    if took.warning:
        notes.append(f"Longer than a day: {took.warning}.")
    timing = took.to_dict()
    local = spec.model.local_path(root)
    dev = measure(local, root / spec.data.dev) if local is not None and spec.data.dev else None
    if dev is not None:
        timing["eval_s_each"] = evaluation_seconds(shape, dev, plan.value("micro_batch_size"), rate)
    return replace(plan, data=summary, time=timing, notes=notes)


def _threads(profile: Profile, machine: MachineFacts | None) -> Choice | None:
    """CPU threads of the training process: pinned by the profile, else the cores present."""
    pinned = profile.env.get("OMP_NUM_THREADS")
    if pinned:
        return Choice(pinned, f"pinned by profile {profile.name} (OMP_NUM_THREADS)")
    if machine is None:
        return None
    return Choice(
        machine.cores, f"the cores this process may use on this machine ({machine.source})"
    )


def _fit_to_machine(
    profile: Profile, machine: MachineFacts | None, notes: list[str]
) -> tuple[Profile, dict[str, Any] | None]:
    """The profile with no more memory than the machine has (for unified/CPU memory).

    A profile describes a machine; the one Seshat runs on may be smaller (a 24 GB laptop with the
    128 GB Strix Halo profile). The plan takes the smaller of the two, keeping the profile's
    share of usable to total memory, and says so.
    """
    if machine is None or machine.memory_gb is None:
        return profile, None
    facts = {
        "cores": machine.cores,
        "memory_gb": round(machine.memory_gb, 1),
        "source": machine.source,
    }
    if profile.device == "cuda":
        return profile, facts  # GPU memory is the device's own: the profile's figure stands
    share = profile.memory.usable_gb / profile.memory.total_gb
    usable = machine.memory_gb * share
    if usable >= profile.memory.usable_gb:
        return profile, facts
    facts["limited_by_machine"] = True
    notes.append(
        f"This machine has {machine.memory_gb:.1f} GB of memory, profile {profile.name} "
        f"describes {profile.memory.total_gb:.0f} GB: planned for {usable:.1f} GB usable "
        f"(the same share), not {profile.memory.usable_gb:.0f}."
    )
    memory = profile.memory.model_copy(update={"total_gb": machine.memory_gb, "usable_gb": usable})
    return profile.model_copy(update={"memory": memory}), facts


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
    facts: dict[str, Any] | None = None,
    packing: DataLengths | None = None,
) -> Plan:
    training = spec.training
    chosen = sizing.settings
    verdict = (
        f"fits: {sizing.estimate.total:.1f} of {sizing.budget_gb:.1f} GB" if sizing.estimate else ""
    )
    if chosen is None:  # nothing fits: render the last fallback, flagged
        last = sizing.tried[-1].settings
        where = (
            f"this machine ({facts['memory_gb']:.0f} GB; profile {profile.name}) plans for"
            if facts and facts.get("limited_by_machine")
            else f"{profile.name} plans for"
        )
        verdict = (
            f"Does not fit: {model} needs {sizing.tried[-1].estimate_gb:.0f} GB even at the last "
            f"fallback, {where} {sizing.budget_gb:.0f} GB. Use a smaller model (e.g. "
            "`model.base=Qwen/Qwen3-1.7B`), QLoRA on a GPU with 4-bit (`seshat plan "
            f"profile={CLOUD_HINT} training.method=qlora`), or several GPUs (`seshat plan "
            f"profile={MULTI_GPU_HINT}`, then `seshat launch profile={MULTI_GPU_HINT}`)."
        )
        notes.append(verdict)
        chosen = last
    reasons = sizing.reasons

    def choice(name: str, value: Any) -> Choice:
        if getattr(training, name) != "auto":
            return Choice(getattr(training, name), "set in seshat.yaml or on the command line")
        return Choice(value, "'auto': " + reasons.get(name, "chosen by the memory planner"))

    if training.gradient_accumulation_steps == "auto":
        per_row = packing.per_packed_row(chosen.sequence_len) if packing is not None else 1.0
        steps, why = accumulation(chosen.micro_batch_size, profile, per_row)
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
        "shards": chosen.shards,
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
