"""The tokenizer check and extension for a project (project.py), on tokenizer.json without torch."""
