"""The render matrix: every shipped template x concrete profile x backend x method."""

from __future__ import annotations

from pathlib import Path

from seshat.backends.base import Rendered
from seshat.backends.registry import get_backend
from seshat.plugins import backend_names
from seshat.profiles import Profile, available, load_file
from seshat.templating import recipes
from seshat.trainer_config import Prepared

METHODS = ("lora", "qlora", "full")


def concrete_profiles() -> list[str]:
    return [name for name, path in available(None).items() if isinstance(load_file(path), Profile)]


def matrix() -> list[tuple[str, str, str, str]]:
    """(backend, recipe, profile, method) for every combination the profile supports."""
    cases = []
    for backend in backend_names():
        for recipe in recipes(backend, None, get_backend(backend).templates_dir):
            for profile in concrete_profiles():
                supports_4bit = load_file(available(None)[profile]).supports_4bit  # type: ignore[union-attr]
                for method in METHODS:
                    if method == "qlora" and not supports_4bit:
                        continue
                    cases.append((backend, recipe, profile, method))
    return cases


def render_case(
    project: Path,
    backend: str,
    recipe: str,
    profile: str,
    method: str,
    run_dir: Path = Path("runs") / "golden",
) -> tuple[Prepared, Rendered]:
    """Render one case as if for ``run_dir`` (relative to the project: where it is written)."""
    from seshat.config.loader import load_project
    from seshat.trainer_config import prepare

    loaded = load_project(
        project, [f"backend={backend}", f"profile={profile}", f"training.method={method}"]
    )
    prepared = prepare(loaded)
    rendered = prepared.backend.render(
        loaded, prepared.plan, prepared.resolved.profile, run_dir, recipe
    )
    return prepared, rendered
