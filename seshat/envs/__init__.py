"""Managed environments (trainers and tools): building, finding and checking their venvs."""
