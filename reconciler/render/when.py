"""The "when" section of a markdown plan: when changed schedules fire, and the busiest hour.

For each created or updated schedule, its next three firings in its own
zone and in UTC, from `engine.calendar` (the expansion `calendar` uses); then,
when the plan changes it, the busiest UTC hour of the next week before and
after the plan (schedules the plan deletes count before only, those it
creates after only, a conflict in neither).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from reconciler.core.model import ActionKind, Payload, Plan
from reconciler.engine.calendar import Entry, busiest_hour, expand, firings_of

_WEEK = timedelta(days=7)
_FAR = timedelta(days=400)


def _hour(found: tuple[datetime, int] | None) -> str:
    if found is None:
        return "no runs"
    hour, count = found
    return f"{count} run(s) {hour:%a %Y-%m-%d %H}:00-{hour:%H}:59 UTC"


@dataclass(frozen=True, slots=True)
class When:
    """What the section says: each changed schedule's next runs, and the busiest hour."""

    runs: list[tuple[str, str, str]]  # name, next runs in its own zone, the same in UTC
    busiest: str | None  # "before → after", when the plan changes it


def when_section(plan: Plan, *, now: datetime) -> When | None:
    """The section's content (None when the plan creates and changes nothing).

    Only data and plain words: the markdown renderer escapes and lays it out.
    """
    changed = [
        a
        for a in plan.actions
        if a.kind in (ActionKind.CREATE, ActionKind.UPDATE, ActionKind.REPLACE)
        and a.after is not None
    ]
    if not changed:
        return None
    runs: list[tuple[str, str, str]] = []
    for action in changed:
        assert action.after is not None
        entry = Entry(action.name, action.after)
        firings = firings_of(entry, start=now, end=now + _FAR, now=now)[:3]
        own = ", ".join(f"{f.local:%a %Y-%m-%d %H:%M} {f.local.tzname()}" for f in firings)
        utc = ", ".join(f"{f.at:%Y-%m-%d %H:%M}Z" for f in firings)
        runs.append((action.name, own or "none", utc or "none"))
    before: list[Entry] = []
    after: list[Entry] = []
    for action in plan.actions:
        if action.kind is ActionKind.CONFLICT:
            continue
        if action.before is not None and action.kind is not ActionKind.CREATE:
            before.append(Entry(action.name, action.before))
        kept: Payload | None = action.after or action.before
        if action.kind is not ActionKind.DELETE and kept is not None:
            after.append(Entry(action.name, kept))
    old = busiest_hour(expand(before, start=now, end=now + _WEEK, now=now).firings)
    new = busiest_hour(expand(after, start=now, end=now + _WEEK, now=now).firings)
    busiest = f"{_hour(old)} → {_hour(new)}" if old != new else None
    return When(runs=runs, busiest=busiest)
