"""Apply results as lines (terminal, CI log) or a markdown table (for a comment or summary).

The command line hands each result over as a `ResultRow` of plain values, so this
module needs nothing from the use cases that produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from reconciler.render.markdown import code, text

MARKS = {"ok": "✓", "failed": "✗", "unknown": "?", "skipped": "-"}


class ResultRow(NamedTuple):
    outcome: str  # ok, failed, unknown, skipped
    action: str  # create, update, delete
    name: str
    id: int | None
    message: str


def result_line(row: ResultRow) -> str:
    """`✓ create nightly: created as 1042`."""
    return f"{MARKS.get(row.outcome, '?')} {row.action} {row.name}: {row.message}"


def results_markdown(rows: Sequence[ResultRow], *, summary: str) -> str:
    """A heading, one table row per action, and the summary line in bold."""
    parts = ["### testsigma-reconciler apply", ""]
    if rows:
        parts.append("| | Action | Schedule | Id | Result |\n|---|---|---|---|---|")
        parts.extend(
            f"| {MARKS.get(r.outcome, '?')} | {r.action} | {code(r.name)} | "
            f"{r.id if r.id is not None else ''} | {text(r.message)} |"
            for r in rows
        )
        parts.append("")
    parts.append(f"**{text(summary)}**")
    return "\n".join(parts)
