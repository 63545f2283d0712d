"""Rows that need no env: Python, system programs, disk, memory, W&B."""

from __future__ import annotations

from seshat.doctor.facts import ENV_DISK_GB, GB, Needs, Probe, Row
from seshat.paths import seshat_home


def check_python(probe: Probe) -> Row:
    """Python 3.11 or newer."""
    version = probe.python_version()
    text = ".".join(map(str, version))
    if version >= (3, 11):
        return Row("python", "ok", f"Python {text}")
    return Row("python", "fail", f"Python {text}", "use Python 3.11 or newer (PYTHON=... ./run)")


def check_programs(probe: Probe, needs: Needs) -> list[Row]:
    """Tesseract (with the project's OCR languages), pdftoppm, espeak-ng, chromium."""
    rows = []
    ocr = bool(needs.ocr_languages)
    tesseract = probe.which("tesseract")
    if tesseract is None:
        rows.append(
            Row(
                "tesseract",
                "fail" if ocr else "warn",
                "not installed" + (" (the project has scanned pages)" if ocr else ""),
                "apt-get install tesseract-ocr "
                + " ".join(f"tesseract-ocr-{lang}" for lang in needs.ocr_languages or ["spa"]),
                needed=ocr,
            )
        )
    else:
        code, out = probe.run([tesseract, "--list-langs"], timeout=30)
        have = {line.strip() for line in out.splitlines()[1:]} if code == 0 else set()
        missing = [lang for lang in needs.ocr_languages if lang not in have]
        detail = f"languages: {', '.join(sorted(have)) or 'none'}"
        if missing:
            rows.append(
                Row(
                    "tesseract",
                    "fail",
                    f"{detail}; the project's OCR needs {', '.join(missing)}",
                    "apt-get install "
                    + " ".join(f"tesseract-ocr-{lang}" for lang in missing)
                    + " (or set options.tessdata to a folder of .traineddata files)",
                )
            )
        else:
            rows.append(Row("tesseract", "ok", detail, needed=ocr))
    for program, package, why, needed in (
        ("pdftoppm", "poppler-utils", "scanned PDFs", needs.pdf),
        ("espeak-ng", "espeak-ng", "the tests' speech", False),
        ("chromium", "chromium", "the report's and demo's browser checks", False),
    ):
        found = probe.which(program)
        rows.append(
            Row(
                program,
                "ok" if found else ("fail" if needed else "warn"),
                found or f"not installed (for {why})",
                "" if found else f"apt-get install {package}",
                needed=needed,
            )
        )
    return rows


def check_disk(probe: Probe, needs: Needs, installed: dict[str, bool]) -> Row:
    """Free disk under SESHAT_HOME for the envs still to build and a run's merge and export."""
    home = seshat_home()
    free = probe.free_disk(home) / GB
    wanted = [name for name, done in installed.items() if not done]
    envs_gb = sum(ENV_DISK_GB.get(name, 1.0) for name in wanted)
    # merged model (16-bit) + unquantized GGUF (f32 up to 4 B) + one quantized file
    export_gb = 4.5 * needs.weights_gb if needs.weights_gb else 0.0
    need = envs_gb + export_gb + 1.0
    detail = (
        f"{free:.1f} GB free at {home}; about {need:.1f} GB wanted ("
        + (f"envs to build {', '.join(wanted)}: {envs_gb:.1f} GB; " if wanted else "")
        + (f"a run's merge and export: {export_gb:.1f} GB; " if export_gb else "")
        + "1 GB to spare)"
    )
    if free >= need:
        return Row("disk", "ok", detail)
    return Row(
        "disk",
        "fail",
        detail,
        "free some space, or point SESHAT_HOME at a larger disk (`export SESHAT_HOME=/big/disk/seshat`)",
    )


def check_memory(probe: Probe, needs: Needs) -> Row:
    """The machine's memory against the plan's peak estimate."""
    total, available = probe.memory()
    if total is None:
        return Row("memory", "warn", "unknown (no /proc/meminfo)", needed=False)
    detail = f"{total / GB:.1f} GB in all, {(available or 0) / GB:.1f} GB available"
    if needs.estimate_gb is None:
        return Row("memory", "ok", detail + "; no plan to compare with")
    detail += f"; the plan's peak estimate is {needs.estimate_gb:.1f} GB"
    if needs.device != "cpu":  # on a GPU profile the plan sizes the device's memory
        return Row("memory", "ok", detail + f" on the {needs.device} device")
    if needs.estimate_gb * GB > total:
        return Row(
            "memory",
            "fail",
            detail,
            "train a smaller model (model.base=...), use training.method=qlora on a GPU profile, "
            "or a cloud profile (`seshat plan profile=cloud-a100-80b`)",
        )
    if available is not None and needs.estimate_gb * GB > available:
        return Row(
            "memory", "warn", detail + ": close other programs before training", needed=False
        )
    return Row("memory", "ok", detail)


def check_wandb(probe: Probe, needs: Needs) -> Row:
    """W&B's mode, and a key where it is online."""
    from seshat.secrets import secret

    if needs.wandb_mode != "online":
        return Row("w&b", "ok", f"{needs.wandb_mode}: nothing is sent", needed=False)
    if probe.environ().get("WANDB_API_KEY") or secret("WANDB_API_KEY"):
        return Row("w&b", "ok", "online, WANDB_API_KEY found (logs leave this machine)")
    return Row(
        "w&b",
        "fail",
        "online, but no WANDB_API_KEY in the environment or the keyring",
        "set WANDB_API_KEY, or tracking.wandb.mode=offline",
    )


def machine_rows(probe: Probe, needs: Needs, installed: dict[str, bool]) -> list[Row]:
    """The rows that need no env: Python, system programs, disk, memory (the quickstart's first)."""
    return [
        check_python(probe),
        *check_programs(probe, needs),
        check_disk(probe, needs, installed),
        check_memory(probe, needs),
    ]
