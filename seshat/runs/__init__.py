"""Runs: run directories, the subprocess runner, status and tracking."""
