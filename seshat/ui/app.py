"""The Gradio demo app (run inside the llama.cpp runtime env by ``seshat demo``).

    python app.py --config CONFIG_JSON --gguf MODEL --host 127.0.0.1 --port 7860

``CONFIG_JSON`` (written by Seshat) holds the prompt book (system prompt and each task's user
message with a placeholder), the language names, the run's scores, the data's access level and
the Local Contexts labels it carried.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "eval" / "scripts"))

from generate_llamacpp import THINK, render_prompt

PLACEHOLDER = "\u2063INPUT\u2063"
MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|<>~&-])")  # shown literally in the header


class Model:
    """One llama.cpp model, answering one question at a time."""

    def __init__(self, gguf: str, config: dict) -> None:
        from llama_cpp import Llama

        self.llm = Llama(model_path=gguf, n_ctx=4096, verbose=False, seed=0)
        self.template = self.llm.metadata.get("tokenizer.chat_template", "")
        self.bos = self._text(self.llm.token_bos()) if self.llm.token_bos() >= 0 else ""
        self.eos = self._text(self.llm.token_eos())
        self.book = config["prompts"]
        self.lock = threading.Lock()

    def _text(self, token: int) -> str:
        return self.llm.detokenize([token], special=True).decode("utf-8", "replace")

    def ask(self, task: str, text: str) -> tuple[str, str]:
        """The model's answer to ``task`` about ``text``, and a status line."""
        if not text.strip():
            return "", "Type something first."
        user = self.book["tasks"][task]["template"].replace(PLACEHOLDER, text.strip())
        messages = [
            {"role": "system", "content": self.book["system"]},
            {"role": "user", "content": user},
        ]
        prompt = render_prompt(self.template, messages, self.bos, self.eos)
        started = time.perf_counter()
        with self.lock:
            tokens = self.llm.tokenize(
                prompt.encode("utf-8"),
                add_bos=not (self.bos and prompt.startswith(self.bos)),
                special=True,
            )
            self.llm.reset()
            result = self.llm.create_completion(tokens, max_tokens=256, temperature=0.0, top_k=1)
        answer = THINK.sub("", result["choices"][0]["text"]).strip()
        took = time.perf_counter() - started
        return answer or "(the model gave an empty answer)", f"Answered in {took:.2f} s."


def header(config: dict) -> str:
    """The page's top: run, languages, access level, scores."""
    names = config["prompts"]["names"]
    lines = [
        f"# {names['target']} ↔ {names['source']}",
        f"Run `{config['run']}` · model `{config['model']}`",
        "",
        f"**Access level of the training data: {config['access']}.** {config['access_note']}",
    ]
    lines += labels_lines(config.get("labels") or [])
    scores = config.get("scores") or {}
    if scores:
        lines += ["", "| task | chrF++ | beats its controls |", "|---|---|---|"]
        for task, row in scores.items():
            lines.append(
                f"| {task} | {row['chrf++']:.1f} | {'yes' if row['beats_controls'] else 'NO'} |"
            )
    else:
        lines += ["", "_Not evaluated yet (`seshat eval RUN`)._"]
    return "\n".join(lines)


def _plain(text: str) -> str:
    """``text`` shown as written: on one line, Markdown and HTML characters escaped."""
    return MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def labels_lines(labels: list) -> list[str]:
    """The header's list of the Local Contexts labels the training data carried."""
    if not labels:
        return []
    lines = ["", "**Local Contexts labels of the training data** (localcontexts.org):", ""]
    for label in labels:
        holder = label.get("source") or "the whole project"
        level = f"; read as at least {label['level']}" if label.get("level") else ""
        text = f": {_plain(label['text'])}" if label.get("text") else ""
        lines.append(f"- **{_plain(label['name'])}** ({_plain(holder)}{level}){text}")
    return lines


def build(model: Model, config: dict) -> object:
    """The Blocks app: translation (both directions), dictionary, grammar."""
    import gradio as gr

    tasks = config["prompts"]["tasks"]
    names = config["prompts"]["names"]
    with gr.Blocks(title=f"Seshat · {names['target']}") as app:
        gr.Markdown(header(config), elem_id="header")
        with gr.Tab("Translate"):
            choices = [
                (tasks[t]["label"], t)
                for t in ("translate_to_target", "translate_to_source")
                if t in tasks
            ]
            way = gr.Radio(choices, value=choices[0][1], label="Direction", elem_id="direction")
            source = gr.Textbox(label="Text", lines=3, elem_id="translate-input")
            go = gr.Button("Translate", variant="primary", elem_id="translate-button")
            answer = gr.Textbox(label="Translation", lines=3, elem_id="translate-output")
            status = gr.Markdown(elem_id="translate-status")
            go.click(lambda w, s: model.ask(w, s), [way, source], [answer, status])
        with gr.Tab("Dictionary"):
            choices = [
                (tasks[t]["label"], t) for t in ("dictionary", "reverse_dictionary") if t in tasks
            ]
            kind = gr.Radio(choices, value=choices[0][1], label="Look up")
            word = gr.Textbox(label="Word", elem_id="dictionary-input")
            look = gr.Button("Look up", elem_id="dictionary-button")
            meaning = gr.Textbox(label="Answer", lines=3, elem_id="dictionary-output")
            status2 = gr.Markdown()
            look.click(lambda k, w: model.ask(k, w), [kind, word], [meaning, status2])
        if "grammar" in tasks:
            with gr.Tab("Grammar"):
                sentence = gr.Textbox(
                    label=tasks["grammar"]["label"], lines=2, elem_id="grammar-input"
                )
                explain = gr.Button("Explain", elem_id="grammar-button")
                explanation = gr.Textbox(label="Explanation", lines=6, elem_id="grammar-output")
                status3 = gr.Markdown()
                explain.click(lambda s: model.ask("grammar", s), [sentence], [explanation, status3])
    return app


def main() -> None:
    """Load the model and serve the app until interrupted."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    config = json.loads(Path(args.config).read_text(encoding="utf-8"))
    app = build(Model(args.gguf, config), config)
    print(f"Seshat demo on http://{args.host}:{args.port}", flush=True)
    app.launch(server_name=args.host, server_port=args.port, share=False, show_error=True)


if __name__ == "__main__":
    main()
