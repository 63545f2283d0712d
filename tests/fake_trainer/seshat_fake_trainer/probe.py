"""The fake trainer's probe: its snapshot is the shipped one; its validator wants a positive rank."""

import json
from pathlib import Path


def snapshot() -> dict:
    return json.loads((Path(__file__).parent / "schema.json").read_text(encoding="utf-8"))


def validate(config: dict) -> list[str]:
    return [] if config.get("rank", 0) > 0 else ["rank: must be positive"]


def load(text: str) -> dict:
    """The rendered config (``key: JSON value`` lines): the venv has no YAML library."""
    config = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep and not line.startswith("#"):
            config[key.strip()] = json.loads(value)
    return config
