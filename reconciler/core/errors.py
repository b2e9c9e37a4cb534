"""Typed errors and problems shared by every layer.

A `Problem` is one thing wrong with the user's input, pinned to a `Location`
(file, line, column). Layers collect problems and raise them together, so a
user sees every mistake of a run at once. `ReconcilerError` is the root of all
errors the CLI turns into one clear message and an exit code; anything else
escaping to the CLI is a bug (shown as a traceback only with --verbose).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# The exit codes of every command, in one place (README.md "Exit codes").
EXIT_OK = 0  #: success (with --detailed-exitcode: and no changes)
EXIT_ERROR = 1  #: any error, usage errors included
EXIT_CHANGES = 2  #: success with changes pending (plan --detailed-exitcode)
EXIT_UNSAFE = 3  #: refused as unsafe: safety limits, a stale or altered plan, a lock held
EXIT_TIMEOUT = 4  #: a waited-for run did not finish in time (run --wait)
EXIT_INTERRUPTED = 130  #: stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it)


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the user's input something is; line and column are 1-based."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One error or warning about the input, with where it is."""

    location: Location
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


class ReconcilerError(Exception):
    """An error with a message a user can act on, and the exit code it means."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(ReconcilerError):
    """The YAML (or a flag) is wrong: every problem found, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = sum(1 for p in self.problems if p.severity == "error")
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{lines}\n{count} error{'s' if count != 1 else ''} found")


class UnsafeError(ReconcilerError):
    """Refused as unsafe: a held lock, a stale saved plan, a safety limit (exit 3)."""

    exit_code = EXIT_UNSAFE
