"""LLaMA-Factory as a Seshat trainer plug-in: class, templates, pinned requirements, schema, probe."""
