"""Recognise the base model's family, to pick each backend's chat template for it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from seshat.config.models import ModelSpec
from seshat.errors import ConfigError

# family -> chat template name per backend. Qwen3 in LLaMA-Factory: 'qwen3_nothink', because the
# 'qwen3' template puts empty <think> blocks into the training labels.
CHAT_TEMPLATES: dict[str, dict[str, str]] = {
    "qwen3": {"axolotl": "qwen3", "llamafactory": "qwen3_nothink"},
    "qwen2": {"axolotl": "qwen_25", "llamafactory": "qwen"},
    "llama3": {"axolotl": "llama3", "llamafactory": "llama3"},
    "gemma3": {"axolotl": "gemma3", "llamafactory": "gemma3"},
    "chatml": {"axolotl": "chatml", "llamafactory": "chatml"},
}

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
        A key of :data:`CHAT_TEMPLATES`, or None when unknown.
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


def chat_template_for(model: ModelSpec, backend: str, project_dir: Path) -> str:
    """The backend's chat template name for this model (``model.chat_template`` wins unless 'auto').

    Raises:
        ConfigError: 'auto' and the family is unknown.
    """
    if model.chat_template != "auto":
        return model.chat_template
    family = detect_family(model, project_dir)
    if family is None:
        if backend == "axolotl":
            return "tokenizer_default"
        raise ConfigError(
            f"Cannot tell which LLaMA-Factory chat template fits model {model.base!r}.",
            "set `model.chat_template` in seshat.yaml to a LLaMA-Factory template name "
            "(e.g. qwen3_nothink, llama3, gemma3, chatml)",
        )
    return CHAT_TEMPLATES[family][backend]
