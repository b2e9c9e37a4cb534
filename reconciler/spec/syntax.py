"""libyaml's syntax errors in plain words, at the line and column they name.

Split from `loader.py` (which owns reading YAML) to keep each module small.
"""

from __future__ import annotations

from ruamel.yaml.error import MarkedYAMLError

from reconciler.core.errors import Location, Problem


def _tab_at(text: str, line: int, column: int) -> bool:
    """Whether a syntax error (0-based line, column) is at a tab in the indentation."""
    lines = text.split("\n", line + 1)
    if line >= len(lines):
        return False
    indentation = lines[line][: column + 1]
    return "\t" in indentation and not indentation.strip(" \t")


def syntax_problem(label: str, exc: MarkedYAMLError, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    problem = str(exc.problem or "invalid YAML")
    if mark is not None and _tab_at(text, mark.line, mark.column):
        problem = "a tab character here; indent YAML with spaces, not tabs"
    message = f"YAML syntax error: {problem}"
    if exc.context:
        message += f" ({exc.context}"
        if exc.context_mark is not None and exc.context_mark is not mark:
            message += f" at line {exc.context_mark.line + 1}"
        message += ")"
    if mark is None:
        return Problem(Location(label), message)
    return Problem(Location(label, mark.line + 1, mark.column + 1), message)
