"""Rows of the managed envs and the llama.cpp runtime (its cached wheel and smoke test)."""

from __future__ import annotations

import json
from typing import Any

from seshat.doctor.facts import ENV_DISK_GB, Probe, Row

_TORCH = (
    "import json, torch; ok = torch.cuda.is_available();"
    "print(json.dumps({'torch': torch.__version__, 'hip': getattr(torch.version, 'hip', None),"
    " 'cuda': torch.version.cuda, 'available': ok,"
    " 'name': torch.cuda.get_device_name(0) if ok else None,"
    " 'archs': torch.cuda.get_arch_list() if ok else []}))"
)


def _last_json(out: str) -> dict[str, Any] | None:
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            try:
                return dict(json.loads(line))
            except json.JSONDecodeError:
                return None
    return None


def check_env(probe: Probe, name: str, device: str) -> tuple[Row, dict[str, Any] | None]:
    """A managed env: present, importable, and the torch and device it sees."""
    from seshat.environments import planned_env
    from seshat.envs.tools import TOOLS

    env = planned_env(name, device)
    label = f"{name} env ({device})"
    if not env.installed:
        size = ENV_DISK_GB.get(name, 1.0)
        return (
            Row(
                label,
                "warn",
                f"not built yet (about {size:.1f} GB; built on first use)",
                f"seshat backend install {name} --device {device}",
                needed=False,
            ),
            None,
        )
    if name in TOOLS:
        module = {"llamacpp": "llama_cpp", "skypilot": "sky", "dvc": "dvc"}[name]
        code, out = probe.run(
            [str(env.python), "-c", f"import {module}; print({module}.__version__)"], timeout=120
        )
        if code != 0:
            return (
                Row(
                    label, "fail", f"{module} does not import: {out[-200:]}", _rebuild(name, device)
                ),
                None,
            )
        return Row(label, "ok", f"{module} {out.splitlines()[-1]} at {env.path}"), None
    code, out = probe.run([str(env.python), "-c", _TORCH], timeout=180)
    info = _last_json(out) if code == 0 else None
    if info is None:
        return (
            Row(label, "fail", f"torch does not import: {out[-200:]}", _rebuild(name, device)),
            None,
        )
    sees = info["name"] if info["available"] else "no GPU (the CPU)"
    build = (
        f"ROCm {info['hip']}"
        if info["hip"]
        else (f"CUDA {info['cuda']}" if info["cuda"] else "CPU")
    )
    row = Row(label, "ok", f"torch {info['torch']} ({build} build) sees {sees}")
    if device != "cpu" and not info["available"]:
        row.state, row.fix = (
            "fail",
            "check the GPU driver (`rocminfo` / `nvidia-smi`) and that this user may use it",
        )
    return row, info


def _rebuild(name: str, device: str) -> str:
    return f"seshat backend install {name} --device {device} --force"


def check_runtime(probe: Probe) -> list[Row]:
    """The cached llama.cpp wheel and the runtime's smoke test (every quantization type)."""
    from seshat.environments import planned_env, requirements_file
    from seshat.envs import llamacpp as runtime
    from seshat.envs import llamacpp_smoke as smoke
    from seshat.errors import ModelError
    from seshat.packaged_models import smollm2_gguf

    env = planned_env("llamacpp", "cpu")
    version = runtime.pinned_version(requirements_file("llamacpp", "cpu"))
    rows = []
    wheel, state = runtime.cached_wheel(env.path.name, version)
    if state == "ok":
        rows.append(Row("llama.cpp wheel", "ok", f"{wheel} (compiled for this CPU)", needed=False))
    elif state == "missing":
        rows.append(
            Row(
                "llama.cpp wheel",
                "warn",
                "not compiled yet for this CPU (10-30 min on 2 cores, once)",
                "seshat backend install llamacpp",
                needed=False,
            )
        )
    else:
        rows.append(
            Row(
                "llama.cpp wheel",
                "fail",
                f"the cached wheel {wheel} is damaged: {state}",
                f"{smoke.REBUILD} (compiles llama.cpp again, 10-30 min on 2 cores)",
            )
        )
    if not env.installed:
        return rows
    try:
        source = smollm2_gguf()
    except ModelError as exc:
        rows.append(Row("llama.cpp smoke", "fail", exc.message, exc.hint or ""))
        return rows
    model, features = probe.cpu()
    result = smoke.run_smoke(env.path, env.python, source, version)
    timings = ", ".join(
        f"{kind} {r.get('seconds', 0):.1f} s" for kind, r in result.results.items() if r["ok"]
    )
    if result.passed:
        rows.append(
            Row(
                "llama.cpp smoke",
                "ok",
                f"{', '.join(result.results)} generate {smoke.TOKENS} tokens ({timings}); "
                f"CPU {model}: {', '.join(features) or 'no AVX2'}",
            )
        )
    else:
        rows.append(
            Row(
                "llama.cpp smoke",
                "fail",
                smoke.refusal(result, env.path),
                f"{smoke.REBUILD} (10-30 min on 2 cores)",
            )
        )
    return rows
