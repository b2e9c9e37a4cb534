"""Is a live `nextInterval` still the schedule we declared? (drift vs. progress)

The server moves `nextInterval` forward one period each time a schedule
fires, from the previous scheduled time; the reconciler itself may have
rolled a past anchor forward to a later occurrence before sending. So a live
value is *in sync* when some plausible server chain reaches it: a chain that
starts at a canonical occurrence (the anchor or a later one) and is then
advanced any number of times, under either server behaviour (see
`recurrence.advance`):
- zone arithmetic: same wall time of day (or that time shifted by a DST gap
  it once fell into, which Java keeps), on the period's grid of days; for
  MONTHLY/YEARLY a day of month some progressive clamp can produce;
- UTC arithmetic: a whole number of periods on the UTC calendar from a
  canonical occurrence's instant (for months: progressively clamped there).
Both are decided by arithmetic over the zone's transitions in the range,
never by stepping through time. Anything else (another time of day, weekday,
day of month, or a value before the anchor) is drift.

Accepting both behaviours has a price, stated so it is not mistaken for a
bug: in a DST zone, a live value one DST-shift away from the declared time
of day reads as in sync, because a UTC-stepping server produces exactly that.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from reconciler.timekeeping.instants import (
    Transition,
    from_epoch_ms,
    offsets_of,
    to_instant,
    transitions_between,
    wall_at,
)
from reconciler.timekeeping.recurrence import (
    PERIOD_DAYS,
    PERIOD_MONTHS,
    check_schedule_type,
    month_index,
    occurrence,
)
from reconciler.timekeeping.zones import Zone

__all__ = ["is_in_sync"]


def is_in_sync(live_epoch_ms: int, anchor: datetime, schedule_type: str, zone: Zone) -> bool:
    """Whether a live `nextInterval` (epoch ms) is an occurrence of the declared recurrence."""
    check_schedule_type(schedule_type)
    anchor = anchor.replace(fold=0)
    live = from_epoch_ms(live_epoch_ms)
    if schedule_type == "ONCE":
        naive = anchor.replace(tzinfo=UTC)
        return live in {naive - offset for offset in offsets_of(anchor, zone)}
    start = to_instant(anchor, zone)
    if live < start:
        return False
    local = wall_at(live, zone)
    if schedule_type == "HOURLY":
        same_minute = (local.minute, local.second, local.microsecond) == (
            anchor.minute,
            anchor.second,
            anchor.microsecond,
        )
        transitions = transitions_between(zone, start, live)
        return (live - start) % _hourly_grid(transitions) == timedelta(0) or same_minute
    transitions = transitions_between(zone, start, live)
    if schedule_type in PERIOD_DAYS:
        return _days_in_sync(live, local, anchor, zone, transitions, PERIOD_DAYS[schedule_type])
    return _months_in_sync(live, local, anchor, schedule_type, zone, transitions)


def _hourly_grid(transitions: list[Transition]) -> timedelta:
    """The spacing of instants an hourly chain can reach: a zone-stepping server reads
    each value back as a wall time, which moves the first pass of a fold to the
    second, so a half-hour fold (Lord Howe) shifts the chain by 30 minutes."""
    seconds = 3600
    for change in transitions:
        seconds = math.gcd(seconds, abs(int((change.after - change.before).total_seconds())))
    return timedelta(seconds=seconds)


def _reachable_times(
    anchor: datetime, transitions: list[Transition], on_grid: Callable[[date], bool]
) -> set[time]:
    """The anchor's time of day, plus what DST gaps shifted it to on grid days (Java keeps it).

    A gap time sent as such moves later by the gap; a zone-stepping server's
    `Calendar.add` of days lands it that much earlier instead (unless that
    changes the date), and keeps the shifted time from then on.
    """
    times = {anchor.time()}
    for change in transitions:
        if not change.is_gap:
            continue
        begin, end = change.start_wall, change.end_wall
        for clock in list(times):
            for day in {begin.date(), end.date()}:
                wall = datetime.combine(day, clock)
                if begin <= wall < end and on_grid(day):
                    times.add((wall + (end - begin)).time())
                    if (wall - (end - begin)).date() == day:
                        times.add((wall - (end - begin)).time())
    return times


def _days_in_sync(
    live: datetime,
    local: datetime,
    anchor: datetime,
    zone: Zone,
    transitions: list[Transition],
    days: int,
) -> bool:
    def on_grid(day: date) -> bool:
        return (day - anchor.date()).days % days == 0

    # A day step INTO a gap lands the gap's length earlier, before the change itself
    # (Sydney 2018-10-07: 02:00 becomes 01:00 AEST): the gaps that count are those up
    # to the end of the live value's local day.
    day_end = to_instant(datetime.combine(local.date() + timedelta(days=1), time()), zone)
    gaps = transitions_between(zone, to_instant(anchor, zone), day_end)
    if on_grid(local.date()) and local.time() in _reachable_times(anchor, gaps, on_grid):
        return True
    period = timedelta(days=days)
    first = to_instant(anchor, zone).astimezone(zone.tzinfo).utcoffset()
    offsets = {first, *(change.after for change in transitions)}
    naive_anchor = anchor.replace(tzinfo=UTC)
    return any(
        offset is not None and (live - (naive_anchor - offset)) % period == timedelta(0)
        for offset in offsets
    )


def _possible_days(anchor: datetime, local: datetime, step: int) -> set[int]:
    """Days of month a progressive clamp can reach in `local`'s month, from any start."""
    found: set[int] = set()
    shortest = 31
    index = month_index(local)
    while index >= month_index(anchor):
        year, month0 = divmod(index, 12)
        shortest = min(shortest, calendar.monthrange(year, month0 + 1)[1])
        found.add(min(anchor.day, shortest))
        if shortest == 28:
            break
        index -= step
    return found


def _shortest_month(first: datetime, count: int, step: int) -> int:
    """The shortest month among `count` grid months from `first`'s month, `step` apart."""
    shortest = 31
    for n in range(count):
        year, month0 = divmod(month_index(first) + n * step, 12)
        shortest = min(shortest, calendar.monthrange(year, month0 + 1)[1])
        if shortest == 28:
            break
    return shortest


def _months_in_sync(
    live: datetime,
    local: datetime,
    anchor: datetime,
    schedule_type: str,
    zone: Zone,
    transitions: list[Transition],
) -> bool:
    step = PERIOD_MONTHS[schedule_type]
    months = month_index(local) - month_index(anchor)

    def on_grid(day: date) -> bool:
        return (day.year * 12 + day.month - 1 - month_index(anchor)) % step == 0 and (
            day.day <= anchor.day
        )

    if (
        months >= 0
        and months % step == 0
        and local.day in _possible_days(anchor, local, step)
        and local.time() in _reachable_times(anchor, transitions, on_grid)
    ):
        return True
    live_utc = live.replace(tzinfo=None)
    for index in range(months // step + 2):
        start = to_instant(occurrence(anchor, schedule_type, zone, index), zone)
        if start > live:
            break
        first = start.replace(tzinfo=None)
        gap = month_index(live_utc) - month_index(first)
        if first.time() != live_utc.time() or gap < 0 or gap % step:
            continue
        if live_utc.day == min(first.day, _shortest_month(first, gap // step + 1, step)):
            return True
    return False
