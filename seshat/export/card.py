"""The exported model's card (``README.md``) and Ollama ``Modelfile``.

The card says what the model is made of and how far it may travel: base model, the sources of its
training data with their licences and access levels (names and counts, never the data), the
inherited access level, the evaluation scores with their signatures, and the verification results.
"""

from __future__ import annotations

from typing import Any

from seshat.access import run_holdings
from seshat.labels.applied import AppliedLabel, per_source, spec_labels
from seshat.run_records import RunRecordError
from seshat.runs.rundir import RunDir

ACCESS_NOTE = {
    "public": "Trained on public data only.",
    "community": "Trained on data shared within the named communities: share the model only there.",
    "restricted": "Trained on RESTRICTED data: the model must not leave the machines it was made "
    "for without the data holders' consent.",
    "sacred": "Trained on SACRED data: the model must not leave this machine or be shown outside "
    "the community.",
}


def _spec(run: RunDir) -> dict[str, Any]:
    return run.spec()


def _sources(run: RunDir, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each source's id, licence, communities, consent and training examples per access level."""
    held = run_holdings(run.path, ("train",))
    ids = [str(source.get("id")) for source in spec.get("sources") or []]
    named = per_source(spec_labels(spec), ids)
    found = []
    for source in spec.get("sources") or []:
        levels = held.counts.get(source.get("id"), {})
        found.append(
            {
                "id": source.get("id"),
                "format": source.get("format"),
                "license": source.get("license") or "not stated",
                "communities": ", ".join(source.get("communities") or []) or "-",
                "consent": source.get("consent") or "not stated",
                "labels": "; ".join(named.get(str(source.get("id")), [])).replace("|", "/") or "-",
                "access": ", ".join(f"{level} {n}" for level, n in levels.items())
                or f"{source.get('access', 'community')} (no training examples)",
            }
        )
    return found


def _labels(labels: list[AppliedLabel]) -> list[str]:
    """The card's section on the Local Contexts labels: each with its text and what it raises."""
    if not labels:
        return []
    lines = [
        "",
        "## Local Contexts labels",
        "The communities applied these Traditional Knowledge (TK) and Biocultural (BC) labels "
        "and notices to the training data (localcontexts.org); they travel with the model.",
        "",
    ]
    for label in labels:
        raises = f"; Seshat reads it as at least {label.level}" if label.level else ""
        text = " ".join((label.text or "").split())
        lines.append(
            f"- **{label.name}** (applied to {label.holder}{raises})"
            + (f": {text}" if text else "")
        )
    return lines


def _method(run: RunDir, spec: dict[str, Any], status: dict[str, Any]) -> str:
    """What actually ran (the plan's method and sizes), not the spec's ``auto``."""
    try:
        plan = run.read_json("plan.json")
    except RunRecordError:
        plan = {}  # an older run without its plan: the spec says what was asked
    training = spec.get("training", {})
    method = plan.get("method") or training.get("method", "?")

    def planned(name: str) -> Any:
        choice = plan.get(name)
        return choice.get("value") if isinstance(choice, dict) else None

    details = []
    if method in ("lora", "qlora"):
        lora = training.get("lora", {})
        details.append(f"rank {lora.get('rank', '?')}, alpha {lora.get('alpha', '?')}")
    if planned("sequence_len"):
        details.append(f"{planned('sequence_len')} tokens")
    batch = (planned("micro_batch_size"), planned("gradient_accumulation_steps"))
    if None not in batch:
        details.append(f"batch {batch[0]} x {batch[1]}")
    if status.get("total_steps"):
        details.append(f"{status['total_steps']} steps")
    if training.get("learning_rate"):
        details.append(f"learning rate {training['learning_rate']:g}")
    label = {"lora": "LoRA", "qlora": "QLoRA (4-bit base)", "full": "full fine-tuning"}
    return label.get(str(method), str(method)) + (f" ({', '.join(details)})" if details else "")


def model_card(run: RunDir, record: dict[str, Any]) -> str:
    """The Markdown card of an export."""
    spec = _spec(run)
    language = spec.get("language", {})
    source_language = spec.get("source_language", {})
    status = run.status()
    level = record.get("access", "sacred")
    lines = [
        f"# {language.get('name', 'Model')} ↔ {source_language.get('name', '?')} (run {run.run_id})",
        "",
        f"**Access level: {level}.** {ACCESS_NOTE.get(level, '')}",
        "",
        "## What it is",
        f"- Base model: `{record['base_model']}`",
        f"- Fine-tuning: {_method(run, spec, status)} with "
        f"{status.get('backend', spec.get('backend', '?'))}; run `{run.run_id}`",
        f"- Target language: {language.get('name')} ({language.get('code')})",
        "- Files: " + ", ".join(f"`{name}` ({quant})" for quant, name in record["files"].items()),
        "",
        "## Training data",
        "| source | format | licence | communities | consent | Local Contexts labels "
        "| training examples per access level |",
        "|---|---|---|---|---|---|---|",
    ]
    for source in _sources(run, spec):
        lines.append(
            f"| {source['id']} | {source['format']} | {source['license']} | "
            f"{source['communities']} | {source['consent']} | {source['labels']} | "
            f"{source['access']} |"
        )
    lines += _labels(spec_labels(spec))
    lines += ["", "## Evaluation"]
    evaluated = status.get("eval") or {}
    if evaluated:
        scores = run.path / evaluated["latest"] / "summary.md"
        lines.append(
            scores.read_text(encoding="utf-8").split("\n", 1)[1].strip()
            if scores.is_file()
            else f"Headline chrF++: {evaluated.get('headline')}"
        )
    else:
        lines.append(f"Not evaluated yet: run `seshat eval {run.run_id}`.")
    quality = record.get("quality") or {}
    if quality.get("scores"):
        lines += [
            "",
            f"Quantization check on {quality['examples']} {quality['split']} examples (chrF++):",
            "",
        ]
        lines += [f"- {q}: {s['chrf++']['score']:.2f}" for q, s in quality["scores"].items()]
    verification = record.get("verification", {})
    logits = verification.get("logits", {})
    lines += [
        "",
        "## Verification",
        f"- Vocabulary: {verification.get('vocabulary')}",
        f"- Logits of the unquantized GGUF vs the merged model: max |difference| "
        f"{logits.get('max_abs_diff', 'not checked')} (tolerance {logits.get('tolerance', '-')})",
        "",
    ]
    return "\n".join(lines)


def modelfile(run: RunDir, files: dict[str, str], quants: tuple[str, ...]) -> str:
    """An Ollama Modelfile for the first asked quantization (the GGUF's own chat template)."""
    spec = _spec(run)
    name = next((files[q] for q in quants if q in files), next(iter(files.values())))
    language = spec.get("language", {}).get("name", "the target language")
    source = spec.get("source_language", {}).get("name", "the source language")
    system = (
        f"You are a careful assistant for the {language} language. You translate between "
        f"{language} and {source}, explain {language} words and grammar."
    )
    return (
        f"# Ollama: `ollama create {spec.get('language', {}).get('code', 'model')} -f Modelfile`\n"
        f"FROM ./{name}\n"
        "PARAMETER temperature 0\n"
        f'SYSTEM """{system}"""\n'
    )
