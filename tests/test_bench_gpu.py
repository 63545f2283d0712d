"""bench/gpu.py without a GPU: its arguments, its sample, its table and verdicts on a made-up
report (never presented as a measurement). The real runs: tests/integration/test_bench_gpu.py
(a CPU smoke run and a dry run of the GPU profile)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import gpu


def test_arguments_prepare_or_run_never_both(tmp_path: Path) -> None:
    args = gpu.parse_args(["--out", str(tmp_path), "--dry-run"])
    assert args.profile == "cloud-a100-80b" and args.backend == "llamafactory" and args.steps == 100
    assert gpu.parse_args(["--out", str(tmp_path), "--smoke"]).profile == "strix-halo-cpu"
    for wrong in (
        [],
        ["--out", "a", "--run", "b"],
        ["--run", "b", "--smoke"],
        ["--out", "a", "--steps", "0"],
    ):
        with pytest.raises(SystemExit):
            gpu.parse_args(wrong)


def test_the_sample_is_seeded_sentence_pairs() -> None:
    first, again = gpu.sample(200), gpu.sample(200)
    assert first == again
    lengths = [len(c["messages"][2]["content"].split()) for c in first]
    assert min(lengths) >= 2 and max(lengths) <= 60 and 5 < sum(lengths) / len(lengths) < 20
    assert [m["role"] for m in first[0]["messages"]] == ["system", "user", "assistant"]


def test_the_qwen3_config_is_qwen3_0_6b() -> None:
    from seshat.plan.catalogue import CATALOGUE, shape_from_config

    shape = shape_from_config(gpu.QWEN3_06B, "x")
    assert shape.parameters() == CATALOGUE["qwen3-0.6b"].parameters()


def _report(device: str, rendered_s: float, plain_s: float, peak: float) -> dict:
    """A made-up report (the shape run_folder writes) to check the table's arithmetic."""
    variant = {
        "speedups": ["sample_packing", "liger_kernel"],
        "micro_batch_size": 8,
        "gradient_accumulation_steps": 1,
        "estimate_gb": 10.0,
    }
    result = {"device": device, "global_step": 100, "max_rss_gb": peak, "max_reserved_gb": peak}
    return {
        "manifest": {"variants": {"rendered": variant, "plain": variant | {"speedups": []}}},
        "tokens": {"tokens": 1_000_000, "examples": 5000},
        "results": {
            "rendered": result | {"train_runtime": rendered_s, "smi_peak_gb": peak + 0.5},
            "plain": result | {"train_runtime": plain_s, "smi_peak_gb": None},
        },
    }


def test_table_and_verdicts_on_a_gpu_report() -> None:
    report = _report("cuda", rendered_s=50.0, plain_s=100.0, peak=9.0)
    rendered, plain = gpu.rows(report)
    assert rendered[4] == "0.500" and rendered[5] == "20,000" and plain[5] == "10,000"
    assert rendered[6] == "9.00 (9.50)" and rendered[8] == "+11 %"
    lines = gpu.verdicts(report)
    assert "2.00x" in lines[1] and lines[1].endswith("met") and "NOT" not in lines[1]
    assert lines[2].endswith("met") and "NOT" not in lines[2]
    slow = gpu.verdicts(_report("cuda", rendered_s=80.0, plain_s=100.0, peak=7.0))
    assert slow[1].endswith("NOT met") and slow[2].endswith("NOT met")


def test_a_cpu_smoke_report_is_not_judged() -> None:
    lines = gpu.verdicts(_report("cpu", rendered_s=50.0, plain_s=100.0, peak=9.0))
    assert "process RSS" in lines[0]
    assert all(line.endswith("not judged: a CPU smoke run") for line in lines[1:])
