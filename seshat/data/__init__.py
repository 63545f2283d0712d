"""The data pipeline: one module per stage (ingest, clean, split, format, ...)."""
