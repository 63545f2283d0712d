"""``seshat init``: scaffold a project folder with a commented ``seshat.yaml``."""

from __future__ import annotations

from pathlib import Path

from seshat.errors import ConfigError
from seshat.kinds import LEVELS, SourceFormat
from seshat.plugins import backend_names
from seshat.yamlio import atomic_write_text

TEMPLATE = """\
# Seshat project: teach a language model {name}.
# Every key is checked: a misspelled key is an error, not silently ignored.
# See every accepted key with `seshat config schema`; override any on the command line,
# e.g. `seshat render profile=strix-halo-cpu training.lr=1e-4`.

name: {project}

# The language being taught (the target). Nothing about it is built into Seshat.
language:
  name: {name}
  code: {code}                 # used in file names and CLI flags (ISO 639-3 when there is one)
  codes: {{}}                   # other identifiers, e.g. {{iso639_3: shp, glottocode: ship1254}}
  orthography: null            # notes on the writing system
  normalize: {{}}               # orthography normalisation applied when cleaning, e.g. {{"ë": "ë"}}

# The language translations are written in.
source_language:
  name: {source_name}
  code: {source_code}

# Your data: one entry per file or folder under data/raw/. Access levels, from open to closed:
# {levels}. Anything above public never leaves this machine.
sources: []
#  - id: dictionary
#    path: data/raw/dictionary.tsv
#    format: tsv                # {formats}
#    access: community
#    communities: []
#    license: null
#    consent: null              # who agreed to what
#    record_access: {{}}        # per-record levels, e.g. {{"data/raw/dictionary.tsv:12": sacred}}
#    labels: []                 # Local Contexts TK/BC labels: `seshat labels fetch PROJECT_ID`

# Relative weights of the training tasks built from the data (0 turns one off).
tasks:
  translate_to_target: 1.0
  translate_to_source: 1.0
  dictionary: 0.5
  reverse_dictionary: 0.3
  example_sentence: 0.3
  glossing: 0.5
  grammar: 0.3
  morphology: 0.3
  inflect: 0.5                 # paradigm tables: lemma + features -> form
  analyse_form: 0.3            # paradigm tables: form -> lemma + features

splits:
  dev: 0.05
  test: 0.05
  seed: 13
  group_by: document           # document | entry | record: kept whole within one split

# Chat JSONL written by `seshat data format` and read by the trainer.
data:
  train: data/formatted/train.jsonl
  dev: data/formatted/dev.jsonl
  test: data/formatted/test.jsonl

# The base model: a hub id, or a local folder with config.json, weights and tokenizer.
model:
  base: {model}
  revision: null
  chat_template: auto          # auto: picked from the model family (Qwen3 -> qwen3_nothink ...)

training:
  method: auto                 # auto (lora, or qlora when only 4-bit fits) | lora | qlora | full
  lora:
    rank: 64                   # 64-128 suits teaching a new language
    alpha: 128
    dropout: 0.05
    target_modules: all-linear
  lr: 2.0e-4
  epochs: 3
  max_steps: null              # set to stop early (overrides epochs)
  sequence_len: auto           # auto: chosen for the profile (see `seshat plan`)
  micro_batch_size: auto
  gradient_accumulation_steps: auto
  gradient_checkpointing: auto
  warmup_ratio: 0.03
  lr_scheduler: cosine
  optimizer: adamw_torch
  seed: 42
  logging_steps: 1
  save_steps: 100

backend: {backend}             # {backends}
profile: {profile}             # see `seshat profiles list`; strix-halo picks -rocm or -cpu

tracking:
  wandb:
    mode: offline              # offline (default: nothing leaves the machine) | online | disabled
    project: seshat

# The access policy (docs/access.md): the most closed level allowed per destination. Unset ones
# keep the cautious defaults: nothing above public leaves this machine (cloud_launch, W&B samples,
# shared reports, dataset_export); models of restricted data stay local (model_export: restricted).
access:
  rules: {{}}                   # e.g. {{cloud_launch: community}}
  overrides: {{}}               # destination: "who agreed, when" (logged at every use)
  communities: {{}}             # e.g. {{Kaniwa: {{contact: the language committee}}}}
"""


def scaffold(
    folder: Path,
    *,
    name: str,
    code: str,
    source_name: str = "Spanish",
    source_code: str = "es",
    model: str = "Qwen/Qwen3-14B",
    backend: str = "axolotl",
    profile: str = "strix-halo",
    force: bool = False,
) -> Path:
    """Create ``folder`` with ``seshat.yaml``, a ``justfile``, ``data/raw/``, ``data/formatted/``, ``runs/``.

    Args:
        folder: Project folder (created if needed).
        name: Target language name.
        code: Target language code.
        source_name: Source language name.
        source_code: Source language code.
        model: Base model hub id or local path.
        backend: Default backend.
        profile: Default hardware profile.
        force: Overwrite an existing ``seshat.yaml``.

    Returns:
        The written config path.

    Raises:
        ConfigError: A config exists already (and not ``force``) or the result does not validate.
    """
    folder = Path(folder)
    config = folder / "seshat.yaml"
    if config.exists() and not force:
        raise ConfigError(
            f"{config} already exists; not overwriting it.",
            "edit it, or pass --force to start over",
        )
    project = (
        "".join(c if c.isalnum() or c in "-_." else "-" for c in folder.resolve().name) or "project"
    )
    text = TEMPLATE.format(
        project=project,
        name=_quote(name),
        code=_quote(code),
        source_name=_quote(source_name),
        source_code=_quote(source_code),
        model=_quote(model),
        backend=backend,
        backends=" | ".join(backend_names()),
        formats=" ".join(SourceFormat),
        levels=" | ".join(LEVELS),
        profile=profile,
    )
    from seshat import project_justfile
    from seshat.config.loader import load_project

    folder.mkdir(parents=True, exist_ok=True)
    draft = folder / ".seshat-draft.yaml"
    atomic_write_text(draft, text)
    try:
        load_project(draft)  # validated before it takes the name: a bad --code leaves nothing
    except ConfigError as exc:
        draft.unlink(missing_ok=True)
        raise ConfigError(
            "The values given to `seshat init` do not make a valid project (nothing was written): "
            + exc.message.split(":\n", 1)[-1].replace(str(draft), "seshat.yaml").strip(),
            "a code is letters, digits, - and _ (e.g. `--code shp`); run `seshat init` again",
        ) from None
    for sub in ("data/raw", "data/formatted", "runs"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        atomic_write_text(
            gitignore, "runs/\n.seshat/\ndata/records/\ndata/splits/\ndata/formatted/\n"
        )
    draft.replace(config)
    project_justfile.write(folder)
    return config


def _quote(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
