"""The project config, ``seshat.yaml``, as pydantic models that reject unknown keys."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from seshat.config.reader_options import READER_OPTIONS, options_for
from seshat.kinds import LEVELS, AccessLevel, SourceFormat, label_level
from seshat.plugins import backend_names


class Strict(BaseModel):
    """Base model: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)


class Language(Strict):
    """A language, described by the user: nothing about it is hard-coded in Seshat."""

    name: str = Field(description="Name used in prompts and reports, e.g. 'Shipibo-Konibo'.")
    code: str = Field(
        description="Short code used in file names and CLI flags (ISO 639-3 when there is one).",
        pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,31}$",
    )
    codes: dict[str, str] = Field(
        default_factory=dict,
        description="Other identifiers, e.g. {iso639_3: shp, glottocode: ship1254}.",
    )
    orthography: str | None = Field(
        default=None, description="Free notes on the writing system (alphabet, conventions)."
    )
    normalize: dict[str, str] = Field(
        default_factory=dict,
        description="Orthography normalisation map applied when cleaning, e.g. {'ë': 'ë'}.",
    )
    alphabet: str | None = Field(
        default=None,
        description="Letters of the writing system (any case); cleaning flags words with others.",
    )


def _spanish() -> Language:
    return Language(name="Spanish", code="es", codes={"iso639_3": "spa"})


class Label(Strict):
    """A Local Contexts Traditional Knowledge (TK) or Biocultural (BC) Label, or a Notice.

    Stored offline in seshat.yaml as the community applied it (the Local Contexts Hub's
    ``unique_id``, ``name``, ``label_text`` and ``label_type``; ``seshat labels fetch`` writes
    them).
    """

    id: str = Field(description="The label's unique id on the Local Contexts Hub.")
    name: str = Field(description="Its name, e.g. 'TK Secret / Sacred', 'BC Non-Commercial'.")
    text: str | None = Field(
        default=None, description="The label's text, as the community wrote it."
    )
    project: str | None = Field(default=None, description="The Local Contexts project id.")
    type: str | None = Field(
        default=None,
        description="The Hub's label_type (e.g. secret_sacred, non_commercial) or notice_type: "
        "read for the level too, so a name in another language still counts.",
    )

    def level(self) -> AccessLevel | None:
        """The level this label raises a source to (``LABEL_LEVELS``), if any."""
        found = label_level(self.name, self.type)
        return AccessLevel(found) if found else None


class Source(Strict):
    """One input source: where it is, how to read it, and who may see what comes from it."""

    id: str = Field(description="Stable identifier used in provenance.", pattern=r"^[\w.-]+$")
    path: Path = Field(description="File or folder, relative to the project dir.")
    outside_project: str | None = Field(
        default=None,
        description="A path outside the project (a shared drive) is read only with a reason here: "
        "who decided, and why (logged at every ingest).",
    )
    format: SourceFormat = Field(description="How to read it.")
    access: AccessLevel = Field(
        default=AccessLevel.community,
        description="public | community | restricted | sacred (defaults to the cautious 'community').",
    )
    communities: list[str] = Field(default_factory=list, description="Communities that own it.")
    license: str | None = Field(default=None, description="Licence, e.g. 'CC-BY-4.0'.")
    consent: str | None = Field(default=None, description="Consent note: who agreed to what.")
    options: dict[str, object] = Field(
        default_factory=dict, description="Reader options (column mapping, SFM markers, tiers...)."
    )
    record_access: dict[str, AccessLevel] = Field(
        default_factory=dict,
        description="Per-record levels that override `access`, keyed by the record's own id "
        "(Toolbox ref, entry guid, annotation id), 'file:line', or Seshat's record id.",
    )
    labels: list[Label] = Field(
        default_factory=list,
        description="Local Contexts TK/BC labels and notices the community applied. A label can "
        "only close the source further (TK Secret / Sacred: sacred; see docs/access.md).",
    )

    def split_pin(self) -> str | None:
        """The split every record of this source is pinned to (``options.split``), if any."""
        pin = options_for(self.format, self.options).get("split")
        return str(pin) if pin else None

    def effective_access(self, inherited: Sequence[Label] = ()) -> AccessLevel:
        """``access``, raised to the most closed level its labels ask (never lowered).

        Args:
            inherited: The project's labels, which apply to every source
                (:meth:`Project.labels_for`).
        """
        labels = [*inherited, *self.labels]
        levels = [self.access, *(label.level() for label in labels)]
        return max((lv for lv in levels if lv is not None), key=lambda lv: LEVELS.index(lv.value))

    @model_validator(mode="after")
    def _options(self) -> Source:
        # each format's options are a strict model: a misspelled option is an error, not ignored
        try:
            options_for(self.format, self.options)
        except ValidationError as exc:
            known = list(READER_OPTIONS[self.format].model_fields)

            def problem(error: dict) -> str:
                key = ".".join(map(str, error["loc"]))
                if error["type"] != "extra_forbidden":
                    return f"options.{key}: {error['msg']}"
                close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                return f"options.{key} is not an option of this format{hint}"

            problems = "; ".join(problem(e) for e in exc.errors())
            known = ", ".join(known)
            raise ValueError(
                f"source {self.id!r} ({self.format.value}): {problems}. Options of "
                f"{self.format.value}: {known} (`seshat config formats` lists them)"
            ) from None
        return self


class Destination(StrEnum):
    """Where data, or something derived from it, can go. Each is a rule of the access policy."""

    local_training = "local_training"
    cloud_launch = "cloud_launch"
    wandb_metrics = "wandb_metrics"
    wandb_samples = "wandb_samples"
    shared_report = "shared_report"
    dataset_export = "dataset_export"
    model_export = "model_export"
    demo_ui = "demo_ui"
    served_api = "served_api"
    network = "network"


DEFAULT_RULES: dict[Destination, AccessLevel] = {
    Destination.local_training: AccessLevel.sacred,
    Destination.cloud_launch: AccessLevel.public,
    Destination.wandb_metrics: AccessLevel.sacred,
    Destination.wandb_samples: AccessLevel.public,
    Destination.shared_report: AccessLevel.public,
    Destination.dataset_export: AccessLevel.public,
    Destination.model_export: AccessLevel.restricted,
    Destination.demo_ui: AccessLevel.restricted,
    Destination.served_api: AccessLevel.restricted,
    Destination.network: AccessLevel.public,
}


class Community(Strict):
    """A community that owns material: who to ask, and what was agreed."""

    contact: str | None = Field(default=None, description="Who speaks for it about the data.")
    notes: str | None = Field(default=None, description="Agreements, conditions, dates.")


# what people type when they have no reason: refused as the reason of an override
PLACEHOLDER_REASONS = frozenset(
    {
        "",
        "true",
        "yes",
        "y",
        "1",
        "ok",
        "okay",
        "none",
        "n/a",
        "na",
        "todo",
        "tbd",
        "x",
        "xx",
        "xxx",
        "reason",
        "because",
        "test",
        "fixme",
        "no reason",
        "agreed",
        "approved",
        "allowed",
    }
)


class AccessPolicy(Strict):
    """Which levels may go to which destinations, and the explicit overrides of those rules."""

    rules: dict[Destination, AccessLevel] = Field(
        default_factory=dict,
        description="Most closed level allowed per destination; unset ones keep the cautious "
        "defaults (anything above public stays on this machine). Destinations: "
        + ", ".join(d.value for d in Destination)
        + ".",
    )
    overrides: dict[Destination, str] = Field(
        default_factory=dict,
        description="Explicit permission, with its reason, to send anything to a destination "
        "despite its rule, e.g. cloud_launch: 'Council approval 2026-10-02, minutes in docs/'. "
        "Every use is logged in .seshat/access.jsonl and the run dir.",
    )
    models: dict[str, AccessLevel] = Field(
        default_factory=dict,
        description="Level of a base model imported from a GGUF that carries none (a third-party "
        "file), keyed by `model.base` as written (e.g. `models/some-model: public`). Without an "
        "entry such a model counts as sacred; a Seshat GGUF carries its own level.",
    )
    communities: dict[str, Community] = Field(
        default_factory=dict, description="Named communities that sources can belong to."
    )

    @field_validator("overrides", mode="before")
    @classmethod
    def _reasons(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        for destination, reason in value.items():
            text = reason.strip() if isinstance(reason, str) else ""
            placeholder = text.lower().strip(".!-? ") in PLACEHOLDER_REASONS
            if placeholder or len(text) < 8 or sum(c.isalpha() for c in text) < 4:
                raise ValueError(
                    f"the override of {destination} needs a reason that says who agreed and "
                    f'when (e.g. "Council approval 2026-10-02, minutes in docs/"), not {reason!r}'
                )
        return value

    def limit(self, destination: Destination) -> AccessLevel:
        """The most closed level allowed to ``destination``."""
        return self.rules.get(destination, DEFAULT_RULES[destination])


class Retrieval(Strict):
    """What a translation prompt quotes from the training split (retrieval-augmented tasks)."""

    examples: int = Field(
        default=0, ge=0, le=16, description="How many similar training pairs to quote (0: none)."
    )
    dictionary: bool = Field(
        default=False,
        description="Quote the project's dictionary entries of the sentence's words.",
    )
    word_by_word: bool = Field(
        default=False,
        description=(
            "Add a word-for-word draft of the sentence: each word replaced by its single-word "
            "dictionary entry, else by the word it is most often paired with in the training "
            "pairs; names, numbers and unknown words kept."
        ),
    )

    @property
    def enabled(self) -> bool:
        """Whether any retrieval is asked."""
        return bool(self.examples or self.dictionary or self.word_by_word)


class TaskMix(Strict):
    """Relative weights of the training tasks built from the data (0 turns a task off)."""

    translate_to_target: float = Field(default=1.0, ge=0, description="Source -> target language.")
    translate_to_source: float = Field(default=1.0, ge=0, description="Target -> source language.")
    dictionary: float = Field(default=0.5, ge=0, description="Word -> definition/translation.")
    reverse_dictionary: float = Field(default=0.3, ge=0, description="Meaning -> target word.")
    example_sentence: float = Field(default=0.3, ge=0, description="Use a word in a sentence.")
    glossing: float = Field(default=0.5, ge=0, description="Morpheme-by-morpheme gloss (IGT).")
    grammar: float = Field(default=0.3, ge=0, description="Explain the grammar of a sentence.")
    morphology: float = Field(
        default=0.3, ge=0, description="Analyse a word into morphemes and glosses (from IGT)."
    )
    inflect: float = Field(
        default=0.5, ge=0, description="Lemma + features -> the inflected form (paradigms)."
    )
    analyse_form: float = Field(
        default=0.3, ge=0, description="Inflected form -> its lemma and features (paradigms)."
    )
    retrieval: Retrieval = Field(
        default_factory=Retrieval,
        description="Retrieval for the translation tasks: dictionary entries and similar "
        "examples of the training split in the prompt (in eval and translate too).",
    )


class Splits(Strict):
    """How records are split into train/dev/test, without leakage."""

    dev: float = Field(default=0.05, ge=0, lt=0.5, description="Fraction for the dev split.")
    test: float = Field(default=0.05, ge=0, lt=0.5, description="Fraction for the test split.")
    seed: int = Field(default=13, description="Seed of the deterministic split.")
    group_by: Literal["document", "entry", "record"] = Field(
        default="document",
        description="Unit kept whole within one split. When too few or too unequal units cannot "
        "meet the shares (within 2 points), documents are cut into blocks of records, then "
        "records (said in data/splits/manifest.json), unless `strict`.",
    )
    strict: bool = Field(
        default=False,
        description="Refuse, instead of refining the unit, when group_by cannot meet the shares.",
    )
    test_file: Path | None = Field(
        default=None,
        description="Pin your own test set: records whose cleaned text is in this file (JSONL of "
        '{"text": ...}, or plain text, one sentence per line) go to test.',
    )
    dev_file: Path | None = Field(
        default=None, description="Pin your own dev set (as `test_file`)."
    )


class Cleaning(Strict):
    """Thresholds of the cleaning checks (each check flags a record; nothing is deleted)."""

    max_chars: int = Field(default=2000, ge=1, description="Flag longer texts (characters).")
    min_ratio: float = Field(
        default=0.33, gt=0, description="Flag pairs whose text/translation length ratio is lower."
    )
    max_ratio: float = Field(
        default=3.0, gt=0, description="Flag pairs whose text/translation length ratio is higher."
    )
    ratio_min_chars: int = Field(
        default=12, ge=1, description="Check the ratio only when both sides are at least this long."
    )
    punctuation_spacing: bool = Field(
        default=True,
        description="Remove spaces before , . ; : ! ? ) and after ( ¿ ¡ (OCR and typing artefacts).",
    )


class ModelSpec(Strict):
    """The base model to fine-tune."""

    base: str = Field(description="Hub id (e.g. 'Qwen/Qwen3-14B') or a local folder path.")
    revision: str | None = Field(default=None, description="Hub revision (commit, tag, branch).")
    chat_template: str = Field(
        default="auto",
        description="Chat template name; 'auto' picks from the model family (Qwen3 -> qwen3_nothink).",
    )
    trust_remote_code: bool = Field(default=False, description="Allow model code from the hub.")

    def is_local(self, project_dir: Path) -> bool:
        """Whether ``base`` names a local folder (absolute, ``./``-relative, or existing)."""
        return self.local_path(project_dir) is not None

    def local_path(self, project_dir: Path) -> Path | None:
        """The local folder ``base`` names, or None when it is a hub id."""
        raw = self.base
        looks_local = raw.startswith(("/", "./", "../", "~")) or raw.count("/") != 1
        candidate = (project_dir / Path(raw).expanduser()).resolve()
        if looks_local or candidate.exists():
            return candidate
        return None


class Method(StrEnum):
    """How the model's weights are trained."""

    auto = "auto"  # LoRA, or QLoRA when LoRA does not fit the profile (the memory planner decides)
    lora = "lora"
    qlora = "qlora"
    full = "full"


class LoraSpec(Strict):
    """LoRA adapter shape (ignored for full fine-tuning)."""

    rank: int = Field(
        default=64, ge=1, le=1024, description="Adapter rank r (64-128 suits a new language)."
    )
    alpha: int = Field(default=128, ge=1, description="Scaling alpha (usually 2 x rank).")
    dropout: float = Field(default=0.05, ge=0, lt=1, description="Dropout on the adapter.")
    target_modules: Literal["all-linear"] | list[str] = Field(
        default="all-linear", description="'all-linear' or explicit module names."
    )


Auto = Literal["auto"]


class Training(Strict):
    """Training method and hyper-parameters. 'auto' values are filled in by the plan."""

    method: Method = Field(
        default=Method.auto,
        description="auto (LoRA, or QLoRA when only 4-bit fits) | lora | qlora | full.",
    )
    recipe: str = Field(
        default="sft",
        pattern=r"^[\w.-]+$",
        description="Backend template: templates/<backend>/<recipe>.yaml.j2 (project templates win).",
    )
    lora: LoraSpec = Field(default_factory=LoraSpec, description="LoRA adapter shape.")
    learning_rate: float = Field(
        default=2e-4, gt=0, lt=1, alias="lr", description="Peak learning rate (alias: lr)."
    )
    epochs: float | None = Field(default=3.0, gt=0, description="Passes over the training data.")
    max_steps: int | None = Field(
        default=None, ge=1, description="Stop after this many optimizer steps (overrides epochs)."
    )
    sequence_len: int | Auto = Field(
        default="auto", description="Max tokens per example, or 'auto'."
    )
    micro_batch_size: int | Auto = Field(
        default="auto", description="Examples per device step, or 'auto'."
    )
    gradient_accumulation_steps: int | Auto = Field(
        default="auto", description="Micro-batches per optimizer step, or 'auto'."
    )
    gradient_checkpointing: bool | Auto = Field(
        default="auto", description="Trade compute for memory, or 'auto'."
    )
    train_embeddings: bool | Auto = Field(
        default="auto",
        description="Also train the embedding (and an untied output head) with LoRA; 'auto': "
        "when model.base was made by `seshat tokenizer extend`.",
    )
    warmup_ratio: float = Field(
        default=0.03, ge=0, lt=1, description="Fraction of steps to warm up."
    )
    lr_scheduler: Literal["cosine", "linear", "constant", "constant_with_warmup"] = Field(
        default="cosine", description="Learning-rate schedule."
    )
    optimizer: Literal[
        "adamw_torch", "adamw_torch_fused", "adamw_8bit", "paged_adamw_8bit", "sgd"
    ] = Field(
        default="adamw_torch", description="Optimizer (8-bit ones need bitsandbytes on the device)."
    )
    weight_decay: float = Field(default=0.0, ge=0, description="Weight decay.")
    seed: int = Field(default=42, description="Training seed.")
    logging_steps: int = Field(default=1, ge=1, description="Log metrics every N steps.")
    save_steps: int = Field(default=100, ge=1, description="Save a checkpoint every N steps.")
    eval_steps: int | None = Field(default=None, ge=1, description="Evaluate on dev every N steps.")
    save_total_limit: int = Field(default=3, ge=1, description="Checkpoints kept on disk.")

    @field_validator("sequence_len", "micro_batch_size", "gradient_accumulation_steps")
    @classmethod
    def _positive(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("must be a positive integer or 'auto'")
        return value


class DataPaths(Strict):
    """Where the formatted chat JSONL splits are (relative to the project dir)."""

    train: Path = Field(default=Path("data/formatted/train.jsonl"), description="Training split.")
    dev: Path | None = Field(default=Path("data/formatted/dev.jsonl"), description="Dev split.")
    test: Path | None = Field(default=Path("data/formatted/test.jsonl"), description="Test split.")

    @model_validator(mode="after")
    def _confined_and_apart(self) -> DataPaths:
        """Outputs stay in the project, out of data/raw/, and never overwrite each other."""
        written: dict[str, str] = {}
        for name in ("train", "dev", "test"):
            path = getattr(self, name)
            if path is None:
                continue
            if path.is_absolute() or ".." in path.parts:
                raise ValueError(
                    f"data.{name} is {path}: the formatted splits are written inside the project "
                    "(a relative path without '..', e.g. data/formatted/train.jsonl)"
                )
            if path.parts[:2] == ("data", "raw"):
                raise ValueError(
                    f"data.{name} is {path}, inside data/raw/, where the sources are: writing "
                    "there could overwrite one"
                )
            if path.suffix != ".jsonl":
                raise ValueError(
                    f"data.{name} is {path}: the splits are chat JSONL, name it *.jsonl"
                )
            for written_path in (
                path,
                path.with_suffix(".meta.jsonl"),
                path.parent / "manifest.json",
            ):
                key = written_path.as_posix()
                if key in written and written_path.name != "manifest.json":
                    raise ValueError(
                        f"data.{name} ({path}) would overwrite what data.{written[key]} writes "
                        f"({key}): give each split a file of its own"
                    )
                written.setdefault(key, name)
        return self


class WandbSpec(Strict):
    """Weights & Biases tracking (offline by default: nothing leaves the machine)."""

    mode: Literal["offline", "online", "disabled"] = Field(
        default="offline", description="offline (default) | online | disabled."
    )
    project: str = Field(default="seshat", description="W&B project name.")
    entity: str | None = Field(default=None, description="W&B team or user (online only).")


class Tracking(Strict):
    """Experiment tracking."""

    wandb: WandbSpec = Field(default_factory=WandbSpec, description="Weights & Biases settings.")


class Project(Strict):
    """The whole ``seshat.yaml``."""

    name: str = Field(description="Project name, used in run names.", pattern=r"^[\w.-]+$")
    language: Language = Field(description="The language being taught (the target).")
    source_language: Language = Field(
        default_factory=_spanish, description="The language translations are in (default Spanish)."
    )
    sources: list[Source] = Field(default_factory=list, description="Input data sources.")
    tasks: TaskMix = Field(default_factory=TaskMix, description="Training task mix.")
    cleaning: Cleaning = Field(default_factory=Cleaning, description="Cleaning thresholds.")
    splits: Splits = Field(default_factory=Splits, description="Train/dev/test split.")
    data: DataPaths = Field(default_factory=DataPaths, description="Formatted chat JSONL paths.")
    model: ModelSpec = Field(description="Base model.")
    training: Training = Field(default_factory=Training, description="Method and hyper-parameters.")
    backend: str = Field(
        default="axolotl",
        description=f"Trainer that runs the job: {' | '.join(backend_names())}.",
        json_schema_extra={"enum": list(backend_names())},
    )
    profile: str = Field(
        default="strix-halo", description="Hardware profile name (see `seshat profiles list`)."
    )
    tracking: Tracking = Field(default_factory=Tracking, description="Experiment tracking.")
    access: AccessPolicy = Field(
        default_factory=AccessPolicy, description="Access policy: rules, overrides, communities."
    )
    labels: list[Label] = Field(
        default_factory=list,
        description="Local Contexts TK/BC labels and notices of the whole project: they apply to "
        "every source (and can only close it further; see docs/access.md).",
    )

    def labels_for(self, source: Source) -> list[Label]:
        """The labels that apply to ``source``: the project's, then its own (one per id)."""
        found: dict[str, Label] = {}
        for label in [*self.labels, *source.labels]:
            found.setdefault(label.id, label)
        return list(found.values())

    def access_of(self, source: Source) -> AccessLevel:
        """The level of ``source``, raised by its own labels and the project's."""
        return source.effective_access(self.labels)

    @field_validator("backend")
    @classmethod
    def _registered_backend(cls, value: str) -> str:
        known = backend_names()
        if value not in known:
            raise PydanticCustomError(
                "unknown_backend",
                "no trainer of that name is registered",
                {"expected": " or ".join(repr(n) for n in known) or "none registered"},
            )
        return value

    @model_validator(mode="after")
    def _outputs_are_not_sources(self) -> Project:
        for name in ("train", "dev", "test"):
            out = getattr(self.data, name)
            if out is None:
                continue
            for source in self.sources:
                if out == source.path or source.path in out.parents:
                    raise ValueError(
                        f"data.{name} ({out}) is where source {source.id!r} reads: writing the "
                        "split there would overwrite it"
                    )
        return self

    @model_validator(mode="after")
    def _unique_source_ids(self) -> Project:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"source id {source.id!r} is used twice; ids must be unique")
            seen.add(source.id)
        return self

    @model_validator(mode="after")
    def _known_communities(self) -> Project:
        named = self.access.communities
        if not named:
            return self
        for source in self.sources:
            unknown = [c for c in source.communities if c not in named]
            if unknown:
                raise ValueError(
                    f"source {source.id!r} names communities {unknown} that access.communities "
                    f"does not list (it lists {sorted(named)})"
                )
        return self
