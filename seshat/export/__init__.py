"""GGUF export: merge, convert, quantize, verify; the llama.cpp runtime env."""
