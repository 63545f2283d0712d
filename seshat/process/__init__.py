"""Running external programs: a logged subprocess runner, and what a failed one died of."""
