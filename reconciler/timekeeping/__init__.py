"""Time semantics of schedules (docs/YAML.md "Time"): zones, `nextInterval`, recurrences. Pure.

No I/O beyond reading zone data, no clock reads (callers pass `now`), no
imports from the rest of `reconciler` except `reconciler.core.errors`. Split by
concern, re-exported here so callers write `from reconciler.timekeeping import X`:
- `zones`: which `timezone` values are accepted and what they mean (Java's view);
- `instants`: wall time <-> instant, Java's gap/fold rules, zone transitions;
- `parse`: `nextInterval` as written and as the API takes it;
- `recurrence`: occurrences, roll-forward, what the server does when firing;
- `sync`: whether a live `nextInterval` is progress or drift;
- `describe`: one line of plain words for plans.
"""

from __future__ import annotations

from reconciler.timekeeping.describe import describe
from reconciler.timekeeping.instants import (
    Transition,
    epoch_ms,
    from_epoch_ms,
    instant_ms,
    to_instant,
    transition_at,
    transitions_between,
    wall_at,
    wall_from_ms,
)
from reconciler.timekeeping.parse import (
    Anchor,
    format_api,
    format_clock,
    format_wall,
    parse_api,
    parse_next_interval,
)
from reconciler.timekeeping.recurrence import (
    SCHEDULE_TYPES,
    add_months,
    add_period,
    advance,
    check_schedule_type,
    has_fired,
    next_occurrence_after,
    occurrence,
    occurrences_after,
)
from reconciler.timekeeping.sync import is_in_sync
from reconciler.timekeeping.zones import SHORT_IDS, TimeError, Zone, resolve_zone, suggest_zone

__all__ = [
    "SCHEDULE_TYPES",
    "SHORT_IDS",
    "Anchor",
    "TimeError",
    "Transition",
    "Zone",
    "add_months",
    "add_period",
    "advance",
    "check_schedule_type",
    "describe",
    "epoch_ms",
    "format_api",
    "format_clock",
    "format_wall",
    "from_epoch_ms",
    "has_fired",
    "instant_ms",
    "is_in_sync",
    "next_occurrence_after",
    "occurrence",
    "occurrences_after",
    "parse_api",
    "parse_next_interval",
    "resolve_zone",
    "suggest_zone",
    "to_instant",
    "transition_at",
    "transitions_between",
    "wall_at",
    "wall_from_ms",
]
