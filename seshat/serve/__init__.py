"""Serving a run's GGUF: the OpenAI-compatible server and one-off translation."""
