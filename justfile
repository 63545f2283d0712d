# Seshat's recipes: each a thin call of `seshat`. Run them through ./run on a fresh machine
# (it sets up .venv first), or with `just` once .venv/bin is on your PATH.
# Every recipe takes key=value overrides: `just render profile=strix-halo-cpu training.lr=1e-4`.

set positional-arguments
export PATH := justfile_directory() + "/.venv/bin:" + env_var("PATH")

# List the recipes.
default:
    @just --list --unsorted

# Check this machine: Python, system programs, disk, memory, envs, GPU, the llama.cpp runtime.
doctor *args:
    seshat doctor "$@"

# Set up Seshat (./run already did) and build the backend envs and the llama.cpp runtime for this CPU.
install:
    seshat backend install axolotl
    seshat backend install llamafactory
    seshat backend install llamacpp

# Seshat's main job on the bundled sample project.
quickstart *args:
    seshat quickstart "$@"

# Render the backend config (key=value overrides pass straight through).
render *args:
    seshat render "$@"

# Render, then check strictly and with the backend's own validator.
check *args:
    seshat check "$@"

# Hardware profiles.
profiles *args:
    seshat profiles list "$@"

# Download a base model from the hub into models/: `just download-model Qwen/Qwen3-14B`.
download-model *args:
    seshat model pull "$@"

# Import a GGUF file as a model folder the trainers read (no argument: the quickstart's SmolLM2).
import-model *args:
    seshat model import "$@"

# Every data stage, only those whose inputs or settings changed (ingest, clean, split, format).
data-run *args:
    seshat data run "$@"

# Where the data stands: counts per stage, kind, split, flag; which stages are stale.
data-status *args:
    seshat data status "$@"

# Read the sources of seshat.yaml into data/records/ (unchanged sources are skipped).
ingest *args:
    seshat data ingest "$@"

# OCR quality of scanned pages with a ground truth: CER with and without the correction table.
ocr *args:
    seshat data ocr "$@"

# Align parallel sources sentence by sentence: alignment runs inside ingest for sources with `options: {align: true}`.
align *args:
    seshat data ingest "$@"

# Transcribe the audio sources (faster-whisper; ELAN annotations first): they are read by ingest.
transcribe *args:
    seshat data ingest "$@"

# Normalise the records and flag what looks wrong (data/clean/; nothing is deleted).
clean *args:
    seshat data clean "$@"

# Split data/clean into train/dev/test without leakage (data/splits/).
split *args:
    seshat data split "$@"

# Write the chat JSONL the trainers read (data/formatted/), mixing tasks by `tasks:` weights.
format *args:
    seshat data format "$@"

# Write dvc.yaml, the data stages for DVC (`dvc repro`, `dvc push`): see docs/versioning.md.
data-dvc *args:
    seshat data dvc "$@"

# Train through the backend into runs/<id>/ (key=value overrides pass straight through).
train *args:
    seshat train "$@"

# Go on with an interrupted or failed run: `just resume RUN` (same run id, last checkpoint).
resume run:
    seshat train resume={{run}}

# List the runs, or show, compare or upload them: `just runs diff RUN_A RUN_B`.
runs *args:
    seshat runs "${@:-list}"

# Merge a run's adapter into its base model: runs/<id>/merged.
merge *args:
    seshat merge "$@"

# Score a run on its test split beside trivial controls: `just eval RUN baseline=base`.
eval *args:
    seshat eval "$@"

# HTML report of one or more runs (loss, scores, worst outputs): `just report RUN [RUN...]`.
report *args:
    seshat report "$@"

# Merge, convert to GGUF, quantize (Q4_K_M by default) and verify: `just export RUN quant=Q4_K_M,Q8_0`.
export *args:
    seshat export "$@"

# Serve a run's GGUF through llama.cpp's OpenAI-compatible API on 127.0.0.1.
serve *args:
    seshat serve "$@"

# Translate a sentence: `just translate RUN "texto" --to CODE`.
translate *args:
    seshat translate "$@"

# The Gradio demo of a run (translation, dictionary, grammar) on 127.0.0.1.
demo *args:
    seshat demo "$@"

# Train on rented GPUs through SkyPilot: `just launch --dry-run profile=cloud-a100-80b`.
launch *args:
    seshat launch "$@"

# What data flowed into a run or file, and where it went: `just audit RUN`.
audit *args:
    seshat audit "$@"

# Export the formatted splits, only what the access policy lets leave: `just data-export OUT`.
data-export *args:
    seshat data export "$@"

# The whole test suite, integration tests included (they build the backend envs once; cached).
test *args:
    python -m pytest --durations=25 "$@"

# Only the fast tests (no backend env).
test-fast *args:
    python -m pytest -m "not integration" "$@"

# Lint and format check.
lint:
    ruff check .
    ruff format --check .

# Benchmarks: start-up, check and train time, side by side with the backends' own CLIs.
bench:
    python bench/startup.py
    python bench/check.py
    python bench/train.py
    python bench/align.py
    python bench/pipeline.py
    python bench/eval_speed.py

# The quickstart end to end in a fresh folder: wall time and peak memory per stage (~15 min).
bench-quickstart *args:
    python bench/quickstart.py "$@"

# The GPU check (bench/gpu.py): `just bench-gpu --out DIR --dry-run` here, then on a CUDA machine
# `python DIR/gpu.py --run DIR`; `just bench-gpu --smoke --out DIR` runs its path on a CPU.
bench-gpu *args:
    python bench/gpu.py "$@"

# What fits where: the memory plan of Qwen3 14B, 32B and Next-80B on every GPU profile.
bench-plan-table *args:
    python bench/plan_table.py "$@"
