"""Plans as text, Terraform-style: `+ ~ - !` lines, field changes, one summary line."""

from __future__ import annotations

from datetime import datetime

from reconciler.core.model import PAYLOAD_FIELDS, Action, ActionKind, Plan
from reconciler.render.common import (
    SYMBOLS,
    action_title,
    plain,
    short,
    summary_line,
    timing,
)


def render_plan(plan: Plan, *, now: datetime, show_unchanged: bool = False) -> str:
    """The plan as reviewers read it in a terminal or a CI log."""
    lines: list[str] = [str(w) for w in plan.warnings]
    if lines:
        lines.append("")
    shown = [a for a in plan.actions if show_unchanged or a.kind is not ActionKind.NOOP]
    if not plan.has_changes:
        lines.append("No changes. The declared schedules match the recorded state.")
    else:
        lines.append("The reconciler will perform the following actions:")
    for action in shown:
        lines.append("")
        lines.extend(_action_lines(action, now=now))
        if action.name in plan.details and action.kind is not ActionKind.ORPHAN:
            lines.append(f"      runs: {plan.details[action.name]}")
    lines.append("")
    lines.append(summary_line(plan))
    return "\n".join(lines)


def _action_lines(action: Action, *, now: datetime) -> list[str]:
    head = f"  {SYMBOLS[action.kind]} {action_title(action)}"
    if action.kind in (ActionKind.ORPHAN, ActionKind.NOOP, ActionKind.DELETE, ActionKind.CONFLICT):
        head += f": {action.reason}"
    lines = [head]
    for drift in action.drift:
        lines.append(
            f"      changed outside the reconciler: {drift.field} "
            f"{plain(drift.before)} -> {plain(drift.after)}"
        )
    if action.kind is ActionKind.CREATE and action.reason != "declared, not yet created":
        lines.append(f"      ({action.reason})")
    if action.kind is ActionKind.CREATE and action.after is not None:
        width = max(len(k) for k in action.after)
        for key in PAYLOAD_FIELDS:
            if key in action.after and key != "name":
                lines.append(f"      {key.ljust(width)}  {short(action.after[key])}")
    elif action.kind in (ActionKind.UPDATE, ActionKind.RENAME):
        shown = [c for c in action.changes if action.kind is ActionKind.UPDATE or c.field != "name"]
        width = max((len(c.field) for c in shown), default=0)
        for change in shown:
            before, after = short(change.before), short(change.after)
            lines.append(f"      {change.field.ljust(width)}  {before} -> {after}")
    when = timing(action.after or action.before, now=now)
    if when and action.kind is not ActionKind.ORPHAN:
        lines.append(f"      when: {when}")
    return lines
