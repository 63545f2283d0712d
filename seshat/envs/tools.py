"""The managed envs that are tools, not trainers: llama.cpp's runtime, SkyPilot's client, DVC."""

from __future__ import annotations

from collections.abc import Callable

from seshat.envs import llamacpp, llamacpp_smoke
from seshat.envs.managed import ManagedEnv, Recipe
from seshat.errors import ModelError
from seshat.paths import PACKAGE_DIR

REQUIREMENTS = PACKAGE_DIR / "envs" / "requirements"


def smoke_check(env: ManagedEnv, force: bool, on_step: Callable[[str], None] | None) -> None:
    """Smoke-test the CPU runtime (skipped, and said, without the packaged test model).

    Raises:
        BackendEnvError: A quantization type crashes or generates nothing.
    """
    from seshat.packaged_models import smollm2_gguf

    if env.device != "cpu":
        return
    try:
        source = smollm2_gguf()
    except ModelError as exc:
        if on_step is not None:
            on_step(f"smoke test skipped: {exc.message} (`seshat doctor` shows it)")
        return
    version = llamacpp.pinned_version(LLAMACPP.requirements(env.device))
    starting = f"smoke test: generate with {', '.join(llamacpp_smoke.TYPES)} GGUFs (a few seconds)"
    llamacpp_smoke.ensure(
        env.path,
        env.python,
        source,
        version,
        force=force,
        on_start=(lambda: on_step(starting)) if on_step is not None else None,
    )


LLAMACPP = Recipe(
    name="llamacpp",
    purpose="llama.cpp runtime: GGUF export, evaluation, serving, demo",
    requirements_dir=REQUIREMENTS,
    native=True,
    packages=("llama_cpp_python", "gradio"),
    prepare=llamacpp.prepare,
    check=smoke_check,
)
SKYPILOT = Recipe(
    name="skypilot",
    purpose="SkyPilot client: cloud launch (`seshat launch`)",
    requirements_dir=REQUIREMENTS,
    packages=("skypilot",),
)
DVC = Recipe(
    name="dvc",
    purpose="DVC: version raw data, records and formatted sets (`seshat data dvc`)",
    requirements_dir=REQUIREMENTS,
    packages=("dvc",),
)
TOOLS = {recipe.name: recipe for recipe in (LLAMACPP, SKYPILOT, DVC)}
