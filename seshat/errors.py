"""The small exception hierarchy that the CLI catches at its one error boundary.

Every error a user can cause or fix is a :class:`SeshatError`: it carries one paragraph that says
what went wrong and where, and the next command or edit that fixes it. Anything else is a bug and
surfaces with its traceback.
"""

from __future__ import annotations


class SeshatError(Exception):
    """A problem the user can fix, explained in one paragraph.

    Args:
        message: What went wrong and where (file, key path, value).
        hint: What to do next, ideally a command to run.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} Next: {self.hint}"


class ConfigError(SeshatError):
    """A project config or override that does not validate."""


class ProfileError(SeshatError):
    """An unknown or invalid hardware profile."""


class TemplateError(SeshatError):
    """A backend template that cannot be rendered from the spec and profile."""


class CheckError(SeshatError):
    """A rendered backend config that the strict check or the backend's validator rejects.

    Args:
        message: Summary of the failure.
        problems: One line per rejected key path.
        hint: What to do next.
    """

    def __init__(self, message: str, problems: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.problems = problems

    def __str__(self) -> str:
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        if self.hint:
            lines.append(f"Next: {self.hint}")
        return "\n".join(lines)


class BackendEnvError(SeshatError):
    """A backend environment that is missing, broken, or failed to build."""


class DataError(SeshatError):
    """Data that a stage, evaluation or export needs is missing, empty or malformed."""


class ModelError(SeshatError):
    """A model, adapter or GGUF file that is missing, corrupt, or fails verification."""


class MachineError(SeshatError):
    """This machine lacks something a project needs (``seshat doctor`` lists each fix)."""
