"""Run a trainer's own CLI in this process and record what its training took (for bench/gpu.py).

    SESHAT_BENCH_OUT=result.json python gpu_trainer.py llamafactory train backend.yaml
    SESHAT_BENCH_OUT=result.json python gpu_trainer.py axolotl train backend.yaml --launcher python

Runs inside the trainer's environment (the standard library, torch and transformers). It wraps
``transformers.Trainer.train`` (both trainers' trainers inherit it), then starts the trainer's
command exactly as its console script would. After training it writes: the trainer's own
``train_runtime``, the optimizer steps, the device, and the peak memory: on a GPU torch's peak
allocated and reserved bytes; always the process's peak resident memory.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

ENTRY = {"llamafactory": "llamafactory.cli", "axolotl": "axolotl.cli.main"}


def _wrap_train() -> None:
    import transformers

    original = transformers.Trainer.train

    def train(self, *args, **kwargs):
        import torch

        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        result = original(self, *args, **kwargs)
        took = time.perf_counter() - start
        record = {
            "train_runtime": float(result.metrics.get("train_runtime", took)),
            "wall_train_s": took,
            "global_step": int(self.state.global_step),
            "device": "cuda" if cuda else "cpu",
            "device_name": torch.cuda.get_device_name(0) if cuda else "cpu",
            "max_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
        }
        if cuda:
            record["max_allocated_gb"] = torch.cuda.max_memory_allocated() / 1e9
            record["max_reserved_gb"] = torch.cuda.max_memory_reserved() / 1e9
        with open(os.environ["SESHAT_BENCH_OUT"], "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)
        return result

    transformers.Trainer.train = train


def main() -> None:
    """``gpu_trainer.py TRAINER ARGS...``: the trainer's CLI with ARGS, training recorded."""
    trainer = sys.argv[1]
    _wrap_train()
    module = __import__(ENTRY[trainer], fromlist=["main"])
    sys.argv = [trainer, *sys.argv[2:]]
    module.main()


if __name__ == "__main__":
    main()
