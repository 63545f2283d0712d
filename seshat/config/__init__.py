"""Project config: pydantic models, YAML loading, ``key=value`` overrides."""
