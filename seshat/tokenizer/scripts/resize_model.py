"""Give a model the rows of an extended tokenizer (run with a backend env's Python: torch).

    python resize_model.py BASE_DIR OUT_DIR NEW_ROWS_JSON

``OUT_DIR`` already holds the extended tokenizer files. ``NEW_ROWS_JSON`` maps each new token id
to the ids of the old tokens it replaces; the new row of the input embedding (and of an untied
output head) is their mean, so a new token starts out meaning what its pieces meant. Spare rows
(Qwen pads its matrix to a multiple of 128) are used first; the matrix grows to a multiple of 64
only when they run out. Prints one JSON line: rows before/after, tokenizer size, vocab_size.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(base: Path, out: Path, new_rows: Path) -> None:
    """Resize, initialise and save the model into ``out``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    mapping = {int(k): v for k, v in json.loads(new_rows.read_text(encoding="utf-8")).items()}
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(base, dtype="auto")
    before = model.get_input_embeddings().weight.shape[0]
    needed = max([len(tokenizer), *(i + 1 for i in mapping)])
    if needed > before:
        model.resize_token_embeddings(needed, pad_to_multiple_of=64, mean_resizing=False)
    rows = model.get_input_embeddings().weight.shape[0]
    matrices = [model.get_input_embeddings().weight]
    output = model.get_output_embeddings()
    if output is not None and output.weight.data_ptr() != matrices[0].data_ptr():
        matrices.append(output.weight)
    with torch.no_grad():
        for matrix in matrices:
            for new, old in mapping.items():
                matrix[new] = matrix[old].float().mean(dim=0).to(matrix.dtype)
    model.config.vocab_size = rows
    model.save_pretrained(out)
    if len(tokenizer) > rows:
        raise SystemExit(f"tokenizer has {len(tokenizer)} tokens but the model {rows} rows")
    print(
        json.dumps(
            {
                "rows_before": before,
                "rows_after": rows,
                "tokenizer_size": len(tokenizer),
                "config_vocab_size": model.config.vocab_size,
                "tied": len(matrices) == 1,
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
