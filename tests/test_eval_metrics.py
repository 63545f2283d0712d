"""Seshat's scores equal the sacrebleu command line's, signatures included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seshat.eval.metrics import (
    corpus_scores,
    exact_match,
    paired_bootstrap,
    paired_difference,
    sentence_chrf,
)

REFERENCES = [
    "Jaskaraqueskia nokon jonibaon akai.",
    "Ea riki Lima ianxon ka.",
    "Nato joni riki jakon iki, ja riki nokon papa.",
    "¿Jawekeskarin mia iki?",
    "Bakebo teeti kaibiribi.",
    "Non kanomaxon ikai, ja jawen ainbo.",
]
HYPOTHESES = [
    "Jaskaraqueskia nokon jonibo akai.",
    "Ea Lima ianxon ka.",
    "Nato joni jakon iki, ja nokon papa riki.",
    "¿Jawekeskarin mia?",
    "Bake teeti kaibiribi.",
    "Non kanomaxon, ja jawen ainbo ikai.",
]
CLI = {
    "bleu": ["-m", "bleu"],
    "chrf": ["-m", "chrf"],
    "chrf++": ["-m", "chrf", "--chrf-word-order", "2"],
}


def _cli(tmp_path: Path, hypotheses: list[str], which: str) -> dict:
    ref, hyp = tmp_path / "ref.txt", tmp_path / "hyp.txt"
    ref.write_text("\n".join(REFERENCES) + "\n", encoding="utf-8")
    hyp.write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sacrebleu",
            str(ref),
            "-i",
            str(hyp),
            *CLI[which],
            "-w",
            "14",
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("which", sorted(CLI))
def test_scores_equal_the_sacrebleu_command_line(tmp_path: Path, which: str) -> None:
    ours = corpus_scores(HYPOTHESES, REFERENCES)[which]
    theirs = _cli(tmp_path, HYPOTHESES, which)
    assert abs(ours["score"] - theirs["score"]) <= 1e-9
    assert ours["signature"] == theirs["signature"]
    assert 0 < ours["score"] < 100


def test_bootstrap_interval_is_stored_with_its_own_signature() -> None:
    scores = corpus_scores(HYPOTHESES, REFERENCES, bootstrap=200)["chrf++"]
    assert "bs:200" in scores["bootstrap_signature"] and "bs:" not in scores["signature"]
    assert scores["ci"] > 0 and abs(scores["mean"] - scores["score"]) < scores["ci"] + 5


def test_paired_bootstrap_prefers_the_better_system() -> None:
    worse = [h.split()[0] for h in HYPOTHESES]
    result = paired_bootstrap(HYPOTHESES * 4, worse * 4, REFERENCES * 4, samples=200)
    for name in ("bleu", "chrf", "chrf++"):
        assert result[name]["system"] > result[name]["baseline"]
        assert result[name]["p_value"] < 0.05
        assert "bs:200" in result[name]["signature"]


def test_exact_match_and_sentence_scores() -> None:
    assert exact_match(["Kani ", "wasi"], ["kani", "Mayu"]) == 50.0
    assert sentence_chrf(REFERENCES[0], REFERENCES[0]) == 100.0
    assert sentence_chrf("xyz", REFERENCES[0]) < 10


def test_paired_difference_interval_excludes_zero_only_for_a_real_gain() -> None:
    worse = [h.split()[0] for h in HYPOTHESES]
    better = paired_difference(HYPOTHESES * 4, worse * 4, REFERENCES * 4, samples=300)
    assert better["delta"] == pytest.approx(better["system"] - better["other"])
    assert 0 < better["low"] <= better["delta"] <= better["high"]
    same = paired_difference(HYPOTHESES * 4, HYPOTHESES * 4, REFERENCES * 4, samples=300)
    assert same["low"] == same["high"] == same["delta"] == 0
    # a mixed system: better on some sentences, worse on others -> the interval straddles zero
    pairs = list(enumerate(zip(HYPOTHESES * 4, worse * 4, strict=True)))
    mixed = [h if k % 2 else w for k, (h, w) in pairs]
    flipped = [w if k % 2 else h for k, (h, w) in pairs]
    straddle = paired_difference(mixed, flipped, REFERENCES * 4, samples=300)
    assert straddle["low"] < 0 < straddle["high"]


def test_llamacpp_threads_and_one_chat_at_a_time_on_one_thread() -> None:
    from pathlib import Path

    from seshat.eval.generate import hf_engine, llamacpp_engine, with_threads

    engine = llamacpp_engine(Path("py"), Path("m.gguf"), "q", 32, parallel=8)
    assert engine.extra[-2:] == ["--parallel", "8"]
    two = with_threads(engine, 2)
    assert two.extra[two.extra.index("--threads") + 1] == "2" and "--parallel" in two.extra
    one = with_threads(engine, 1)  # batched decoding on one thread was slower: one at a time
    assert one.extra[one.extra.index("--threads") + 1] == "1" and "--parallel" not in one.extra
    assert (one.tag, one.gguf) == (engine.tag, engine.gguf)
    hf = hf_engine(Path("py"), Path("model"), None, "hf", 32)
    assert with_threads(hf, 1) is hf
