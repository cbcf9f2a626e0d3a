"""Errors a user can act on. The CLI prints them, one line per problem, and exits with their code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a spec: where it is and what to do about it."""

    line: int | None
    path: str
    message: str
    source: str = ""

    def __str__(self) -> str:
        where = self.source or "spec"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class TfgenError(Exception):
    """Base class: a failure with a message meant for the user, never a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def lines(self) -> list[str]:
        return [self.message]


class SpecError(TfgenError):
    """The spec is invalid; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.path, p.message))
        super().__init__(f"invalid spec: {len(self.problems)} problem(s)")

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class UsageError(TfgenError):
    """A wrong option, path or environment name."""

    exit_code = 2


class ToolError(TfgenError):
    """An external tool (terraform, checkov) is missing or failed to run."""

    exit_code = 2


class ConflictError(TfgenError):
    """Files the user edited since tfgen last wrote them; nothing was written."""

    exit_code = 1
