"""Plans as text, Terraform-style: `+ ~ - !` lines, field changes, one summary line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from reconciler.core.model import PAYLOAD_FIELDS, Action, ActionKind, Cause, Plan
from reconciler.render.common import (
    SYMBOLS,
    action_title,
    field_value,
    headline,
    plain,
    rolled_forward,
    summary_line,
    timing,
    unchecked_note,
)
from reconciler.render.words import reason


def render_plan(plan: Plan, *, now: datetime, show_unchanged: bool = False) -> str:
    """The plan as reviewers read it in a terminal or a CI log.

    The YAML's warnings are not repeated here: the command line prints them once,
    on stderr, as it loads the files.
    """
    return "\n".join(plan_blocks(plan, now=now, show_unchanged=show_unchanged))


def plan_blocks(
    plan: Plan, *, now: datetime, show_unchanged: bool = False, size: int = 1 << 16
) -> Iterator[str]:
    """`render_plan`'s text in blocks of whole lines of about `size` characters.

    Joined with "\\n" they are exactly `render_plan`; a large plan is written block
    by block, so its text is never held whole.
    """
    lines: list[str] = []
    held = 0
    note = unchecked_note(plan)
    if note:
        lines += [note, ""]
    lines.append(headline(plan))
    for action in plan.actions:
        if not show_unchanged and action.kind is ActionKind.NOOP:
            continue
        lines.append("")
        more = _action_lines(action, plan=plan, now=now)
        if action.name in plan.details and action.kind is not ActionKind.ORPHAN:
            more.append(f"      runs: {plan.details[action.name]}")
        lines.extend(more)
        held += sum(map(len, more))
        if held >= size:
            yield "\n".join(lines)
            lines, held = [], 0
    lines.append("")
    lines.append(summary_line(plan))
    yield "\n".join(lines)


def _action_lines(action: Action, *, plan: Plan, now: datetime) -> list[str]:
    head = f"  {SYMBOLS[action.kind]} {action_title(action)}"
    if action.kind is ActionKind.REPLACE:
        return _replace_lines(action, plan=plan, now=now)
    if action.kind in (
        ActionKind.ORPHAN,
        ActionKind.NOOP,
        ActionKind.DELETE,
        ActionKind.CONFLICT,
        ActionKind.REPLACE,
    ):
        head += f": {reason(action)}"
    lines = [head]
    for drift in action.drift:
        lines.append(
            f"      changed outside the reconciler: {drift.field} "
            f"{plain(drift.before)} -> {plain(drift.after)}"
        )
    if action.kind is ActionKind.CREATE and action.cause is not Cause.DECLARED:
        lines.append(f"      ({reason(action)})")
    if action.kind is ActionKind.CREATE and action.after is not None:
        width = max(len(k) for k in action.after)
        for key in PAYLOAD_FIELDS:
            if key in action.after and key != "name":
                lines.append(
                    f"      {key.ljust(width)}  {field_value(plan, key, action.after.get(key))}"
                )
    elif action.kind in (ActionKind.UPDATE, ActionKind.RENAME) and action.changes:
        # A rename's title already says old -> new.
        shown = [c for c in action.changes if action.kind is ActionKind.UPDATE or c.field != "name"]
        width = max((len(c.field) for c in shown), default=0)
        for change in shown:
            before = field_value(plan, change.field, change.before)
            after = field_value(plan, change.field, change.after)
            lines.append(f"      {change.field.ljust(width)}  {before} -> {after}")
    rolled = rolled_forward(action, now=now)
    if rolled:
        lines.append(f"      ({rolled})")
    when = timing(action.after or action.before, now=now)
    if when and action.kind is not ActionKind.ORPHAN:
        lines.append(f"      when: {when}")
    return lines


def _replace_lines(action: Action, *, plan: Plan, now: datetime) -> list[str]:
    """`-/+ replace NAME (why)`: delete id N, then create it anew with the declared body."""
    name = action.name
    if action.renamed_from is not None:
        name = f"{action.renamed_from} -> {action.name}"
    lines = [f"  -/+ replace {name} ({reason(action)})"]
    lines.append(f"      id {action.id} is deleted, then created again with the declared body")
    for drift in action.drift:
        lines.append(
            f"      changed outside the reconciler: {drift.field} "
            f"{plain(drift.before)} -> {plain(drift.after)}"
        )
    if action.changes:
        width = max(len(c.field) for c in action.changes)
        for change in action.changes:
            before = field_value(plan, change.field, change.before)
            after = field_value(plan, change.field, change.after)
            lines.append(f"      {change.field.ljust(width)}  {before} -> {after}")
    when = timing(action.after, now=now)
    if when:
        lines.append(f"      when: {when}")
    return lines
