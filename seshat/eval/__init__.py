"""Evaluation: generation, sacrebleu scores with controls, and reports."""
