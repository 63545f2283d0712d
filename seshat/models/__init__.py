"""Base models on disk: hub or local pull, GGUF import, the small models that packages embed."""
