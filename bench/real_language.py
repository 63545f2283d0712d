"""Proof on a real language: the plain recipe against the retrieval recipe, side by side.

    python bench/real_language.py DATA_DIR [--minutes 12] [--limit 200] [--out FOLDER]
        [--examples K] [--model FILE.gguf] [--retrieval-only]

``DATA_DIR`` is an AmericasNLP-style language folder (``train.xx``/``train.es``,
``dev.xx``/``dev.es``, optionally ``parallel_data/dictionary.xx``/``.es``), e.g.
``data/shipibo_konibo-spanish`` of github.com/AmericasNLP/americasnlp2021 (read from a local
copy, never committed: the corpus names no licence). The official dev set is pinned as the test
split (a source option), the dictionary's short entries become a dictionary source.

The split stage compares the test split's spelling with training's and suggests a
``language.normalize`` mapping (this corpus mixes an older orthography with accents and
``qu``/``hu`` with the newer one of the dev set); the benchmark applies that suggestion, as a
user would, to both recipes. Two projects then train the embedded SmolLM2-135M for the same
wall-clock budget on this machine (steps from ``seshat plan``'s time estimate), one with plain
prompts, one with ``tasks.retrieval: {examples: 0, dictionary: true, word_by_word: true}``
(``--examples K`` quotes K similar pairs too);
both are evaluated with transformers on the same test items, with the untuned model as
baseline. Printed side by side in one run: untuned, plain, retrieval, the untuned model given
the retrieval prompts, copy-source and random-target, and the word-for-word draft alone (no
model), chrF++ both directions, with paired 95 % intervals of retrieval minus each row. Also
written to ``FOLDER/real_language.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, table

SESHAT = [sys.executable, "-m", "seshat"]
DIRECTIONS = {"translate_to_target": "es → xx", "translate_to_source": "xx → es"}


def run(*args: str, cwd: Path) -> str:
    """Run a seshat command in ``cwd``; stop the benchmark with its output if it fails."""
    done = subprocess.run(
        [*SESHAT, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ}
    )
    if done.returncode != 0:
        raise SystemExit(f"seshat {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def language_files(data: Path) -> tuple[str, Path]:
    """The target-language code and the data folder (train.CODE beside train.es)."""
    codes = [p.suffix[1:] for p in data.glob("train.*") if p.suffix != ".es"]
    if not codes:
        raise SystemExit(f"{data} has no train.XX beside train.es")
    return codes[0], data


def make_project(folder: Path, data: Path, code: str, model: Path | None) -> Path:
    """A project reading the bitext: the official dev set pinned to test; dev drawn from train."""
    from seshat.scaffold import scaffold

    scaffold(folder, name=data.name.split("-")[0].replace("_", "-").title(), code=code)
    raw = folder / "data" / "raw"
    for name in (f"train.{code}", "train.es", f"dev.{code}", "dev.es"):
        shutil.copy(data / name, raw / name)
    lexicon = data / "parallel_data"
    sources = [
        f"  - {{id: train, path: data/raw/train.{code}, format: parallel, access: public, "
        "options: {translation: data/raw/train.es}}",
        f"  - {{id: official-dev, path: data/raw/dev.{code}, format: parallel, access: public, "
        "options: {translation: data/raw/dev.es, split: test}}",
    ]
    if (lexicon / f"dictionary.{code}").is_file():
        rows = [f"{code}\tes"]
        for word, meaning in zip(
            (lexicon / f"dictionary.{code}").read_text(encoding="utf-8").splitlines(),
            (lexicon / "dictionary.es").read_text(encoding="utf-8").splitlines(),
            strict=False,
        ):
            word, meaning = word.strip().rstrip("."), meaning.strip().rstrip(".")
            if word and meaning and len(word.split()) <= 2 and "\t" not in word + meaning:
                rows.append(f"{word}\t{meaning}")
        (raw / "lexicon.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        sources.append(
            "  - {id: lexicon, path: data/raw/lexicon.tsv, format: tsv, access: public, "
            f"options: {{columns: {{text: {code}, translation: es}}}}}}"
        )
    config = folder / "seshat.yaml"
    text = config.read_text(encoding="utf-8").replace(
        "sources: []", "sources:\n" + "\n".join(sources), 1
    )
    config.write_text(text, encoding="utf-8")
    if model is not None:
        shutil.copytree(model, folder / "models" / model.name)
    return folder


def apply_spelling_suggestion(folders: list[Path]) -> dict[str, str]:
    """Run the data stages once and apply the split stage's ``language.normalize`` suggestion."""
    run("data", "run", cwd=folders[0])
    manifest = json.loads((folders[0] / "data" / "splits" / "manifest.json").read_text("utf-8"))
    mapping = (manifest.get("orthography", {}).get("test") or {}).get("suggest_normalize") or {}
    line = "  normalize: " + json.dumps(mapping, ensure_ascii=False)
    for folder in folders:
        config = folder / "seshat.yaml"
        text = config.read_text(encoding="utf-8")
        text = re.sub(r"^  normalize: \{\}", lambda _: line, text, count=1, flags=re.M)
        config.write_text(text, encoding="utf-8")
    return mapping


def settings(model: str, steps: int | None) -> list[str]:
    return [
        f"model.base=./models/{model}",
        "backend=llamafactory",
        "profile=strix-halo-cpu",
        "splits.dev=0.01",
        # no dev loss during training: on 2 cores one pass over the dev split takes ~2 min
        "data.dev=null",
        "splits.test=0",
        "splits.group_by=record",
        "training.method=lora",
        "training.lora.rank=32",
        "training.lora.alpha=64",
        "training.lora.dropout=0",
        "training.lr=0.001",
        "training.epochs=null",
        "training.lr_scheduler=cosine",
        "training.warmup_ratio=0.05",
        "training.logging_steps=10",
        "training.save_steps=100000",
        f"training.max_steps={steps or 1}",
    ]


def recipe(
    folder: Path, model: str, minutes: float, retrieval: bool, limit: int, examples: int
) -> dict:
    """Format, plan the steps that fit the budget, train, evaluate against the untuned model."""
    extra = (
        [
            f"tasks.retrieval.examples={examples}",
            "tasks.retrieval.dictionary=true",
            "tasks.retrieval.word_by_word=true",
        ]
        if retrieval
        else []
    )
    extra += [f"tasks.{t}=0" for t in ("dictionary", "reverse_dictionary", "example_sentence")]
    run("data", "run", *settings(model, None), *extra, cwd=folder)
    plan = json.loads(run("plan", "--json", *settings(model, 10), *extra, cwd=folder))
    step_s = plan["time"]["step_s"]
    steps = max(10, int((minutes * 60 - 15) / step_s))
    started = time.monotonic()
    run("train", *settings(model, steps), *extra, cwd=folder)
    trained_s = time.monotonic() - started
    run(
        "eval",
        "latest",
        "engine=transformers",
        "baseline=base",
        f"limit={limit}",
        "bootstrap=1000",
        cwd=folder,
    )
    runs = sorted((folder / "runs").iterdir())
    scores = json.loads((runs[-1] / "eval" / "hf" / "scores.json").read_text(encoding="utf-8"))
    return {
        "steps": steps,
        "train_s": round(trained_s),
        "plan_step_s": step_s,
        "run": runs[-1],
        "scores": scores,
        "folder": folder,
    }


def predictions(run_dir: Path, tag: str) -> dict[str, str]:
    """The answers of a run's evaluation, by example key."""
    path = run_dir / "eval" / tag / "predictions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row["output"] for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--minutes", type=float, default=12.0)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--model", type=Path, default=None, help="a GGUF to train instead of the embedded SmolLM2"
    )
    parser.add_argument(
        "--retrieval-only", action="store_true", help="train the retrieval recipe only"
    )
    parser.add_argument(
        "--examples", type=int, default=0, help="similar pairs the retrieval prompts quote"
    )
    args = parser.parse_args()
    from seshat.data.retrieval import INDEX_FILE, Index
    from seshat.eval.examples import load_examples
    from seshat.eval.metrics import corpus_scores, paired_difference
    from seshat.eval.scoring import HEADLINE, comparisons

    code, data = language_files(args.data.resolve())
    out = args.out or Path(tempfile.mkdtemp(prefix="seshat-real-"))
    out.mkdir(parents=True, exist_ok=True)
    base = make_project(out / "plain", data, code, None)
    run("model", "import", *([str(args.model.resolve())] if args.model else []), cwd=base)
    model_dir = next((base / "models").iterdir())
    shutil.copytree(base, out / "retrieval")
    began = time.monotonic()
    mapping = apply_spelling_suggestion([base, out / "retrieval"])
    print(f"language.normalize (the split stage's suggestion): {json.dumps(mapping)}")
    plain = (
        None
        if args.retrieval_only
        else recipe(base, model_dir.name, args.minutes, False, args.limit, 0)
    )
    retrieval = recipe(
        out / "retrieval", model_dir.name, args.minutes, True, args.limit, args.examples
    )
    # retrieval against plain, paired on the same test items (same records, same order)
    rows: list[list[str]] = []
    record = {
        "model": model_dir.name,
        "minutes": args.minutes,
        "limit": args.limit,
        "retrieval": {"examples": args.examples, "dictionary": True, "word_by_word": True},
        "normalize": mapping,
        "tasks": {},
    }
    chat = out / "retrieval" / "data" / "formatted" / "test.jsonl"
    examples = load_examples(out / "retrieval", chat, "test", args.limit)
    ours = predictions(retrieval["run"], "hf")
    theirs = predictions(plain["run"], "hf") if plain else {}
    index = Index.load(out / "retrieval" / "data" / "formatted" / INDEX_FILE)
    assert index is not None, "the retrieval project has no index"
    sides = {"translate_to_target": "source", "translate_to_source": "target"}
    for task, label in DIRECTIONS.items():
        entry_r = retrieval["scores"]["tasks"].get(task)
        entry_p = plain["scores"]["tasks"].get(task) if plain else None
        if entry_r is None or (plain and entry_p is None):
            continue
        keys = [e for e in examples if e.task == task]
        refs = [e.reference for e in keys]
        drafts = [
            index.lookup(e.source_text, sides[task], 0, False, word_by_word=True)["draft"]
            for e in keys
        ]
        vs_draft = paired_difference([ours[e.key] for e in keys], drafts, refs, HEADLINE)
        against = {row["key"]: row for row in comparisons(entry_r)}
        line = {}
        if entry_p is not None:
            vs_plain = paired_difference(
                [ours[e.key] for e in keys], [theirs[e.key] for e in keys], refs, HEADLINE
            )
            line["untuned"] = (entry_p["baseline"]["scores"][HEADLINE]["score"], None)
            line["plain"] = (entry_p["scores"][HEADLINE]["score"], vs_plain)
        line |= {
            "retrieval": (entry_r["scores"][HEADLINE]["score"], None),
            "untuned + retrieval prompts": (against["baseline"]["score"], against["baseline"]),
            "copy source": (against["copy_source"]["score"], against["copy_source"]),
            "random target": (against["random_target"]["score"], against["random_target"]),
            "word-for-word draft, no model": (
                corpus_scores(drafts, refs)[HEADLINE]["score"],
                vs_draft,
            ),
        }
        record["tasks"][task] = {
            name: {
                "chrf++": round(score, 2),
                "retrieval_minus": diff
                and {k: round(diff[k], 2) for k in ("delta", "low", "high")},
            }
            for name, (score, diff) in line.items()
        }
        for name, (score, diff) in line.items():
            rows.append(
                [
                    label,
                    name,
                    f"{score:.1f}",
                    ""
                    if diff is None
                    else f"{diff['delta']:+.1f} ({diff['low']:+.1f} to {diff['high']:+.1f})",
                ]
            )
    record["training"] = {
        name: {
            "steps": r["steps"],
            "seconds": r["train_s"],
            "planned_step_s": round(r["plan_step_s"], 2),
        }
        for name, r in (("plain", plain), ("retrieval", retrieval))
        if r is not None
    }
    record["total_minutes"] = round((time.monotonic() - began) / 60, 1)
    table(
        f"{model_dir.name}: chrF++ on {len(examples)} official dev items "
        f"({args.minutes:g} min of training each, "
        f"{os.cpu_count()} cores); last column: retrieval minus that row, paired 95 % interval",
        ["direction", "system", "chrF++", "retrieval minus it"],
        rows,
    )
    print(json.dumps(record["training"]), f"total {record['total_minutes']} min")
    (out / "real_language.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print(f"Written: {out / 'real_language.json'}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
