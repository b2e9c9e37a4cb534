"""Plans as a markdown table, for pull-request comments.

The comment shows what the text plan shows (every field of a create, status and
comments included, test plan names next to ids, what was not checked), and it
treats every name and value as untrusted: they come from YAML in a pull request
or from the server. Values go into code spans fenced longer than any run of
backticks they hold; prose is escaped character by character (markdown
punctuation with a backslash, `<`, `>` and `&` as entities), so no name can
close its span, open a link, or inject HTML into the comment.
"""

from __future__ import annotations

import re
from datetime import datetime

from reconciler.core.model import PAYLOAD_FIELDS, Action, ActionKind, Cause, Plan
from reconciler.render.common import (
    SYMBOLS,
    field_value,
    headline,
    rolled_forward,
    summary_line,
    timing,
    unchecked_note,
)
from reconciler.render.when import when_section
from reconciler.render.words import changed_reason, reason

HEADER = "| | Action | Schedule | Id | Changes | When |\n|---|---|---|---|---|---|"

_BACKTICKS = re.compile(r"`+")
#: Markdown punctuation that can open an inline construct mid-line, escaped with a backslash
#: (a link needs `[`, an image `![`, so `(`, `)` and `!` need nothing).
_PUNCTUATION = frozenset("\\`*_[]|~")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def render_plan(plan: Plan, *, now: datetime) -> str:
    """A heading, what was not checked, the warnings, a table of every change, the summary."""
    parts = ["### testsigma-reconciler plan", ""]
    note = unchecked_note(plan)
    if note:
        parts += [f"> :information_source: **{text(note)}**", ""]
    for warning in plan.warnings:
        parts.append(
            f"> :warning: {code(str(warning.location), cell=False)} {text(warning.message)}"
        )
    if plan.warnings:
        parts.append("")
    rows = [a for a in plan.actions if a.kind is not ActionKind.NOOP]
    if not plan.has_changes:
        parts += [text(headline(plan)), ""]
    if rows:
        parts.append(HEADER)
        parts.extend(_row(a, plan=plan, now=now) for a in rows)
    parts.extend(_when_lines(plan, now=now))
    parts.append("")
    parts.append(f"**{text(summary_line(plan))}**")
    return "\n".join(parts)


def _row(action: Action, *, plan: Plan, now: datetime) -> str:
    if action.kind in (ActionKind.UPDATE, ActionKind.RENAME):
        changes = "<br>".join(
            f"{code(c.field)}: {code(field_value(plan, c.field, c.before))} → "
            f"{code(field_value(plan, c.field, c.after))}"
            for c in action.changes
        )
        if action.drift:
            changes = text(changed_reason(action).split("; YAML")[0]) + "<br>" + changes
    elif action.kind is ActionKind.CREATE and action.after is not None:
        fields = [
            f"{code(key)}: {code(field_value(plan, key, action.after.get(key)))}"
            for key in PAYLOAD_FIELDS
            if key in action.after and key != "name"
        ]
        if action.cause is not Cause.DECLARED:
            fields.insert(0, text(reason(action)))
        changes = "<br>".join(fields)
    else:
        changes = text(reason(action))
        if action.kind is ActionKind.REPLACE:
            changes += "".join(
                f"<br>{code(c.field)}: {code(field_value(plan, c.field, c.before))} → "
                f"{code(field_value(plan, c.field, c.after))}"
                for c in action.changes
            )
    rolled = rolled_forward(action, now=now)
    if rolled:
        changes += f"<br>{text(rolled)}"
    detail = plan.details.get(action.name)
    if detail and action.kind is not ActionKind.ORPHAN:
        changes += f"<br>runs: {text(detail)}"
    when = timing(action.after or action.before, now=now) or ""
    ident = str(action.id) if action.id is not None else ""
    symbol = SYMBOLS[action.kind].strip() or "·"
    name = code(action.name)
    if action.renamed_from is not None:
        name = f"{code(action.renamed_from)} → {name}"
    return f"| `{symbol}` | {action.kind.value} | {name} | {ident} | {changes} | {text(when)} |"


def code(value: str, *, cell: bool = True) -> str:
    """`value` as a code span (in a table cell, or not): shown literally, whatever it holds."""
    flat = value.replace("\r", " ").replace("\n", " ")
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    # One space inside each fence is stripped by markdown, so a leading or trailing
    # backtick in the value cannot merge with the fence.
    span = f"{fence} {flat} {fence}"
    return span.replace("|", "\\|") if cell else span


def text(value: str) -> str:
    """`value` as plain prose in a table cell or a quote: nothing in it is markup."""
    out = []
    for char in value:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _PUNCTUATION:
            out.append("\\" + char)
        elif char in "\r\n":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


__all__ = ["code", "render_plan", "text"]


def _when_lines(plan: Plan, *, now: datetime) -> list[str]:
    """The "when" section: a list (not a table: the plan has one table, the actions')."""
    when = when_section(plan, now=now)
    if when is None:
        return []
    lines = ["", "#### When", ""]
    lines += [f"- {code(name)}: {text(own)} (UTC: {text(utc)})" for name, own, utc in when.runs]
    if when.busiest is not None:
        lines += ["", text(f"Busiest hour of the next 7 days: {when.busiest}.")]
    return lines
