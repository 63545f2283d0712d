"""Recognise the base model's family, to pick each backend's chat template for it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from seshat.config.models import ModelSpec
from seshat.errors import ConfigError

# the families Seshat recognises; each trainer maps them to its chat template names
FAMILIES = ("qwen3", "qwen2", "llama3", "gemma3", "chatml")

_MODEL_TYPES = {
    "qwen3": "qwen3",
    "qwen3_moe": "qwen3",
    "qwen3_next": "qwen3",
    "qwen2": "qwen2",
    "qwen2_moe": "qwen2",
    "gemma3": "gemma3",
    "gemma3_text": "gemma3",
}

_NAME_PATTERNS = [
    (re.compile(r"qwen3", re.I), "qwen3"),
    (re.compile(r"qwen2", re.I), "qwen2"),
    (re.compile(r"llama-?3", re.I), "llama3"),
    (re.compile(r"gemma-?3", re.I), "gemma3"),
    (re.compile(r"smollm", re.I), "chatml"),
]


def detect_family(model: ModelSpec, project_dir: Path) -> str | None:
    """Guess the model family from a local ``config.json`` or the model's name.

    Args:
        model: The model spec.
        project_dir: Project folder, for relative local paths.

    Returns:
        One of :data:`FAMILIES`, or None when unknown.
    """
    local = model.local_path(project_dir)
    if local is not None and (local / "config.json").is_file():
        try:
            config = json.loads((local / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        model_type = str(config.get("model_type", ""))
        if model_type in _MODEL_TYPES:
            return _MODEL_TYPES[model_type]
        if model_type == "llama":
            template = _tokenizer_template(local)
            if "<|im_start|>" in template:
                return "chatml"
            if "<|start_header_id|>" in template:
                return "llama3"
    for pattern, family in _NAME_PATTERNS:
        if pattern.search(model.base):
            return family
    return None


def _tokenizer_template(local: Path) -> str:
    """The chat template: ``chat_template.jinja`` (transformers 5) or in ``tokenizer_config.json``."""
    jinja = local / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    path = local / "tokenizer_config.json"
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("chat_template") or "")
    except (OSError, ValueError):
        return ""


def chat_template_for(
    model: ModelSpec,
    templates: dict[str, str],
    unknown: str | None,
    trainer: str,
    project_dir: Path,
) -> str:
    """A trainer's chat template name for this model (``model.chat_template`` wins unless 'auto').

    Args:
        model: The model spec.
        templates: The trainer's template name per family.
        unknown: Its template for an unknown family (None: ask the user).
        trainer: The trainer's name, for the message.
        project_dir: Project folder, for relative local paths.

    Raises:
        ConfigError: 'auto', the family is unknown and the trainer has no fallback.
    """
    if model.chat_template != "auto":
        return model.chat_template
    family = detect_family(model, project_dir)
    if family is not None and family in templates:
        return templates[family]
    if unknown is not None:
        return unknown
    raise ConfigError(
        f"Cannot tell which {trainer} chat template fits model {model.base!r}.",
        f"set `model.chat_template` in seshat.yaml to a {trainer} template name "
        f"(for these families it uses: {', '.join(sorted(set(templates.values())))})",
    )
