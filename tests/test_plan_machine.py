"""The plan measures the machine it runs on: memory, cores for threads (facts injected here)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

SMALL = json.dumps({"cores": 2, "memory_gb": 24})


def test_qwen3_14b_on_the_cpu_profile_does_not_fit_a_24_gb_machine(project: Path) -> None:
    done = run_cli(
        "plan",
        "-C",
        str(project),
        "profile=strix-halo-cpu",
        "model.base=Qwen/Qwen3-14B",
        env={"SESHAT_MACHINE": SMALL},
    )
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert "This machine has 24.0 GB of memory" in said
    assert "Does not fit" in said and "this machine" in said
    for alternative in ("smaller model", "QLoRA", "cloud"):
        assert alternative in said
    as_json = run_cli(
        "plan",
        "-C",
        str(project),
        "--json",
        "profile=strix-halo-cpu",
        "model.base=Qwen/Qwen3-14B",
        env={"SESHAT_MACHINE": SMALL},
    )
    plan = json.loads(as_json.stdout)
    assert plan["memory"]["fits"] is False and plan["machine"]["limited_by_machine"] is True
    assert plan["threads"]["value"] == 2


def test_the_profile_alone_plans_the_same_14b_as_fitting(project: Path) -> None:
    done = run_cli(
        "plan",
        "-C",
        str(project),
        "--json",
        "profile=strix-halo-cpu",
        "model.base=Qwen/Qwen3-14B",
        env={"SESHAT_MACHINE": "profile"},
    )
    plan = json.loads(done.stdout)
    assert plan["memory"]["fits"] is True and plan["machine"] is None


def test_threads_follow_the_cores_unless_the_profile_pins_them(project: Path) -> None:
    from seshat.backends.registry import get_backend
    from seshat.config.loader import load_project
    from seshat.machine import available_cores
    from seshat.profiles import resolve

    loaded = load_project(project, ["profile=strix-halo-cpu"])
    profile = resolve("strix-halo-cpu", project, None).profile
    env = get_backend("axolotl").run_env(loaded, profile)
    assert env["OMP_NUM_THREADS"] == str(available_cores())
    pinned = profile.model_copy(update={"env": {**profile.env, "OMP_NUM_THREADS": "3"}})
    assert get_backend("axolotl").run_env(loaded, pinned)["OMP_NUM_THREADS"] == "3"


def test_profiles_show_marks_what_differs_from_the_machine(project: Path) -> None:
    done = run_cli(
        "profiles", "show", "strix-halo-cpu", "-C", str(project), env={"SESHAT_MACHINE": SMALL}
    )
    assert done.returncode == 0, done.stderr
    assert "# this machine: memory.total_gb is 128, this machine has 24.0 GB" in done.stdout
    assert "# this machine: 2 cores: training uses 2 threads" in done.stdout


SMOLLM2_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 576,
    "intermediate_size": 1536,
    "num_attention_heads": 9,
    "num_hidden_layers": 30,
    "num_key_value_heads": 3,
    "head_dim": 64,
    "vocab_size": 49152,
    "tie_word_embeddings": True,
}


def _model_and_data(project: Path, sentences: int = 400) -> None:
    """SmolLM2-135M's sizes, a word-level tokenizer, and formatted chats of known lengths."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    folder = project / "models" / "smol"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(SMOLLM2_CONFIG))
    words = [f"w{i}" for i in range(200)]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="w0"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    formatted = project / "data" / "formatted"
    formatted.mkdir(parents=True, exist_ok=True)
    with open(formatted / "train.jsonl", "w", encoding="utf-8") as out:
        for k in range(sentences):
            n = 20 + k % 40  # 20..59 words a turn; one long outlier
            n = 500 if k == 0 else n
            chat = [
                {"role": "system", "content": "w1 w2 w3"},
                {"role": "user", "content": " ".join(words[:n])},
                {"role": "assistant", "content": " ".join(words[:n])},
            ]
            out.write(json.dumps({"messages": chat}) + "\n")


def test_the_plan_measures_the_data_and_estimates_the_time(project: Path) -> None:
    _model_and_data(project)
    done = run_cli(
        "plan",
        "-C",
        str(project),
        "--json",
        "profile=strix-halo-cpu",
        "model.base=./models/smol",
        "training.max_steps=200",
        env={"SESHAT_MACHINE": SMALL},
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    # 3 messages x 5 marker tokens + 3 + 2 x n words: 99.5 % are within 2 x 59 + 18 = 136
    assert plan["data"]["p995_tokens"] == 136 and plan["data"]["longest_tokens"] == 418
    assert (
        plan["sequence_len"]["value"] == 160 and "from the data" in plan["sequence_len"]["reason"]
    )
    assert plan["data"]["cut_at_sequence_len"] == 1
    assert (
        plan["micro_batch_size"]["value"] == 8 and plan["gradient_accumulation_steps"]["value"] == 1
    )
    assert plan["threads"]["value"] == 2
    time = plan["time"]
    assert time["total_steps"] == 200 and time["steps_per_epoch"] == 50
    assert 0.5 < time["step_s"] < 20 and time["warning"] is None
    assert plan["eval_steps"]["value"] == 20  # ten dev evaluations in 200 steps
    rendered = run_cli(
        "render",
        "-C",
        str(project),
        "--print",
        "profile=strix-halo-cpu",
        "model.base=./models/smol",
        "training.max_steps=200",
        "backend=llamafactory",
        "model.chat_template=chatml",
        env={"SESHAT_MACHINE": SMALL},
    )
    assert "eval_steps: 20" in rendered.stdout and "eval_on_start: true" in rendered.stdout


def test_a_run_longer_than_a_day_is_said_with_the_alternatives(project: Path) -> None:
    _model_and_data(project, sentences=40_000)
    done = run_cli(
        "plan",
        "-C",
        str(project),
        "profile=strix-halo-cpu",
        "model.base=./models/smol",
        "training.epochs=30",
        env={"SESHAT_MACHINE": SMALL},
    )
    said = " ".join(done.stdout.split())
    assert "Longer than a day" in said and "training.max_steps" in said and "cloud" in said


def test_a_large_dev_split_gets_fewer_evaluations_and_they_count_in_the_time(
    project: Path,
) -> None:
    _model_and_data(project)
    formatted = project / "data" / "formatted"
    lines = (formatted / "train.jsonl").read_text(encoding="utf-8").splitlines()
    (formatted / "dev.jsonl").write_text("\n".join(lines * 10) + "\n", encoding="utf-8")
    done = run_cli(
        "plan",
        "-C",
        str(project),
        "--json",
        "profile=strix-halo-cpu",
        "model.base=./models/smol",
        "training.max_steps=200",
        env={"SESHAT_MACHINE": SMALL},
    )
    plan = json.loads(done.stdout)
    # 4000 dev examples against 200 steps of 8: ten evaluations would cost more than the run
    assert plan["eval_steps"]["value"] == 40 and "5 dev evaluations" in plan["eval_steps"]["reason"]
    time = plan["time"]
    assert time["evaluations"] == 6  # five in the run and one at step 0
    assert time["total_s"] > time["step_s"] * 200 + 5 * time["eval_s_each"]
