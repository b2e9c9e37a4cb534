"""Plans as a markdown table, for pull-request comments."""

from __future__ import annotations

from datetime import datetime

from reconciler.core.model import Action, ActionKind, Plan
from reconciler.render.common import SYMBOLS, short, summary_line, timing

HEADER = "| | Action | Schedule | Id | Changes | When |\n|---|---|---|---|---|---|"


def render_plan(plan: Plan, *, now: datetime) -> str:
    """A heading, the warnings, a table of every non-noop action, and the summary."""
    parts = ["### testsigma-reconciler plan", ""]
    for warning in plan.warnings:
        parts.append(f"> :warning: `{warning.location}` {_cell(warning.message)}")
    if plan.warnings:
        parts.append("")
    rows = [a for a in plan.actions if a.kind is not ActionKind.NOOP]
    if rows:
        parts.append(HEADER)
        parts.extend(_row(a, now=now, detail=plan.details.get(a.name)) for a in rows)
    else:
        parts.append("No changes. The declared schedules match the recorded state.")
    parts.append("")
    parts.append(f"**{summary_line(plan)}**")
    return "\n".join(parts)


def _row(action: Action, *, now: datetime, detail: str | None = None) -> str:
    if action.kind in (ActionKind.UPDATE, ActionKind.RENAME):
        changes = "<br>".join(
            f"`{c.field}`: {_cell(short(c.before))} → {_cell(short(c.after))}"
            for c in action.changes
        )
    else:
        changes = _cell(action.reason)
    if action.kind in (ActionKind.UPDATE, ActionKind.RENAME) and action.drift:
        changes = _cell(action.reason.split(";")[0]) + "<br>" + changes
    when = timing(action.after or action.before, now=now) or ""
    if detail and action.kind is not ActionKind.ORPHAN:
        changes += f"<br>runs: {_cell(detail)}"
    ident = str(action.id) if action.id is not None else ""
    symbol = SYMBOLS[action.kind].strip() or "·"
    name = f"`{_cell(action.name)}`"
    if action.renamed_from is not None:
        name = f"`{_cell(action.renamed_from)}` → {name}"
    return f"| `{symbol}` | {action.kind.value} | {name} | {ident} | {changes} | {_cell(when)} |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
