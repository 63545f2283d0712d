"""Stands in for a real trainer: reads the rendered config, logs three steps, writes an adapter."""

import json
import sys
from pathlib import Path

config = {}
for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
    key, sep, value = line.partition(": ")
    if sep and not line.startswith("#"):
        config[key.strip()] = json.loads(value)
output = Path(config["output_dir"])
output.mkdir(parents=True, exist_ok=True)
for step in range(1, config["max_steps"] + 1):
    print(
        "FAKE-METRIC "
        + json.dumps({"step": step, "loss": 3.0 / step, "learning_rate": config["lr"]}),
        flush=True,
    )
(output / "adapter_config.json").write_text(json.dumps({"r": config["rank"], "lora_alpha": 16}))
