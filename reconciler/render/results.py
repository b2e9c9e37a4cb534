"""Apply results as lines (terminal, CI log) or a markdown table (for a comment or summary).

The use case's results reach here as `ResultRow`s of plain values
(`app.results.result_row`), so this module needs nothing from the use cases that
produced them; the summary line and the JSON document are built here, never in cli.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from reconciler.core.model import Plan
from reconciler.render.json_doc import plan_document
from reconciler.render.markdown import code, text
from reconciler.render.words import reason

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


def apply_summary(rows: Sequence[ResultRow], *, serial: int) -> str:
    """The one summary line of an apply: each outcome counted, and the state's serial."""

    def count(outcome: str) -> int:
        return sum(1 for r in rows if r.outcome == outcome)

    return (
        f"Apply: {count('ok')} succeeded, {count('failed')} failed, "
        f"{count('unknown')} unknown, {count('skipped')} not started. "
        f"State serial {serial}."
    )


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


def results_document(
    plan: Plan,
    rows: Sequence[ResultRow] | None,
    *,
    interrupted: bool,
    serial: int,
    now: datetime,
) -> str:
    """`apply --format json`: one document with the plan (its actions in the same shape as
    `plan --format json`), each action's result, the totals, the conflicts and the serial."""
    results = [
        {"action": r.action, "name": r.name, "id": r.id, "outcome": r.outcome, "message": r.message}
        for r in rows or ()
    ]
    doc = {
        "format_version": "1",
        "plan": plan_document(plan, now=now),
        "results": results,
        "summary": {
            o: sum(1 for r in results if r["outcome"] == o)
            for o in ("ok", "failed", "unknown", "skipped")
        },
        "conflicts": [{"name": a.name, "reason": reason(a)} for a in plan.conflicts],
        "interrupted": interrupted,
        "serial": serial,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
