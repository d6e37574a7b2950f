"""Problems found in the content, reported as `path:line:col: severity: message`."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Literal

from .pickling import by_fields, parsed_value

Severity = Literal["error", "warning"]


@by_fields
@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"


@by_fields
@parsed_value
class Loc:
    """A position in a source file: 1-based line and column, path relative to the project root."""

    path: str
    line: int = 1
    col: int = 1

    def error(self, message: str) -> Diagnostic:
        return Diagnostic(self.path, self.line, self.col, "error", message)

    def warning(self, message: str) -> Diagnostic:
        return Diagnostic(self.path, self.line, self.col, "warning", message)


class UsageError(Exception):
    """Something about how the command was run, not about the content (the `archive` command exits with 2)."""


class BuildFailed(Exception):
    """Raised by a build whose content has errors; carries every diagnostic of the build."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(diagnostics)  # its arguments: how it is pickled, raised in a worker process
        self.diagnostics = diagnostics

    def __str__(self) -> str:
        return f"{sum(d.severity == 'error' for d in self.diagnostics)} error(s)"


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def promote_warnings(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """`--strict`: every warning becomes an error."""
    return [Diagnostic(d.path, d.line, d.col, "error", d.message) for d in diagnostics]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
