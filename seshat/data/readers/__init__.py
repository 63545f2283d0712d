"""One reader per input format (registry.py maps each SourceFormat to its module)."""
