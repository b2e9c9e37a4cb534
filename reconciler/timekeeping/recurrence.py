"""Recurrences: which instants a schedule fires at, and how the server moves on.

A schedule's *canonical occurrences* are what the declaration means:
- ONCE: the anchor only.
- HOURLY: every hour of elapsed time from the anchor's instant. Across a DST
  change an hourly schedule keeps firing every 60 minutes, so its minute past
  the local hour stays put where offsets change by whole hours and moves by
  30 minutes at Lord Howe's half-hour change. This is also what the server
  does: Java's `ZonedDateTime.plusHours` and `Calendar.add(HOUR)` both add
  real time.
- DAILY / WEEKLY / BIWEEKLY: every 1 / 7 / 14 days at the anchor's wall time.
- MONTHLY: the anchor's day of month, clamped to each month's length
  (31 -> Feb 28 -> Mar 31); YEARLY: the anchor's date (Feb 29 -> Feb 28).
Each occurrence's wall time becomes an instant the Java way: a wall time in
a DST gap moves later by the gap's length, one in a fold takes the later
(what the server's `SimpleDateFormat` does).

`advance` is what the server does when a schedule fires: it adds one period
to the previous scheduled instant with Java's legacy `Calendar.add`, then
writes the result as a wall time and reads it back (seconds precision), on a
JVM whose default zone is either UTC (the open-source server keeps its
schedule times as UTC wall clocks, so it steps on the UTC calendar) or,
conceivably for the hosted product, the schedule's zone. In a zone,
`Calendar.add` of days keeps the previous UTC offset and corrects by the
offset change unless that changes the date: a day step INTO a gap lands the
gap's length EARLIER (02:30 before the US spring change -> 01:30 EST on the
day of the change, and 01:30 EDT from then on); months and years clamp
progressively (Jan 31 -> Feb 28 -> Mar 28) and move a gap time later; the
round trip through a wall time takes the later instant of a fold, even for
HOURLY. tests/timekeeping/test_java_oracle.py checks all of it against a JVM.
Which default zone Testsigma runs is unknown; `is_in_sync` accepts both.
Nothing here steps through time: occurrences are computed by index.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from reconciler.core.model import SCHEDULE_TYPES
from reconciler.timekeeping.instants import resolve_java, to_instant, wall_at
from reconciler.timekeeping.zones import TimeError, Zone

__all__ = [
    "SCHEDULE_TYPES",
    "add_months",
    "add_period",
    "advance",
    "has_fired",
    "next_occurrence_after",
    "occurrence",
    "occurrences_after",
]

HOUR = timedelta(hours=1)
PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "BIWEEKLY": 14}
PERIOD_MONTHS = {"MONTHLY": 1, "YEARLY": 12}


def check_schedule_type(schedule_type: str) -> str:
    """`schedule_type` if it is one of `SCHEDULE_TYPES`, else a `TimeError`."""
    if schedule_type not in SCHEDULE_TYPES:
        raise TimeError(
            f'unknown scheduleType "{schedule_type}": expected one of {", ".join(SCHEDULE_TYPES)}'
        )
    return schedule_type


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime (UTC)")


def month_index(value: datetime) -> int:
    """Months since year 0: makes month differences plain subtraction."""
    return value.year * 12 + value.month - 1


def add_months(value: datetime, months: int) -> datetime:
    """`value` moved by whole months, its day clamped to the target month's length."""
    year, month0 = divmod(month_index(value) + months, 12)
    day = min(value.day, calendar.monthrange(year, month0 + 1)[1])
    return value.replace(year=year, month=month0 + 1, day=day)


def occurrence(anchor: datetime, schedule_type: str, zone: Zone, index: int) -> datetime:
    """The wall time of the canonical occurrence number `index` (0 is the anchor)."""
    if schedule_type == "HOURLY":
        return wall_at(to_instant(anchor, zone) + index * HOUR, zone)
    if schedule_type in PERIOD_DAYS:
        return anchor + timedelta(days=index * PERIOD_DAYS[schedule_type])
    if schedule_type in PERIOD_MONTHS:
        return add_months(anchor, index * PERIOD_MONTHS[schedule_type])
    check_schedule_type(schedule_type)
    return anchor


def next_occurrence_after(
    anchor: datetime, schedule_type: str, zone: Zone, now: datetime
) -> datetime | None:
    """The first occurrence strictly after `now` (aware), as the wall time to send.

    The result always resolves back to its own instant (`to_instant(result) > now`):
    a gap occurrence is returned as the wall time Java shifts it to, and an
    hourly occurrence that is the first pass of a fold (which a wall time
    cannot name: the server reads it as the second) is skipped. ONCE: the
    anchor if it is after now, else None.
    """
    return next(occurrences_after(anchor, schedule_type, zone, now), None)


def occurrences_after(
    anchor: datetime, schedule_type: str, zone: Zone, now: datetime
) -> Iterator[datetime]:
    """Every occurrence strictly after `now`, oldest first, as `next_occurrence_after` gives
    the first (it is this generator's first item); endless unless ONCE."""
    check_schedule_type(schedule_type)
    _require_aware(now)
    anchor = anchor.replace(fold=0)
    start = to_instant(anchor, zone)
    index = 0
    if start > now:
        yield anchor
        index = 1
    if schedule_type == "ONCE":
        return
    if schedule_type == "HOURLY":
        index = max(index, (now - start) // HOUR + 1)
        while True:
            instant = start + index * HOUR
            wall = wall_at(instant, zone)
            if to_instant(wall, zone) == instant:
                yield wall.replace(fold=0)
            index += 1
    if index == 0 and schedule_type in PERIOD_DAYS:
        index = max(0, (now - start) // timedelta(days=PERIOD_DAYS[schedule_type]) - 1)
    elif index == 0:
        months = month_index(now.astimezone(UTC)) - month_index(start)
        index = max(0, months // PERIOD_MONTHS[schedule_type] - 1)
    while True:
        instant = to_instant(occurrence(anchor, schedule_type, zone, index), zone)
        if instant > now:
            yield wall_at(instant, zone).replace(fold=0)
        index += 1


def has_fired(anchor: datetime, schedule_type: str, zone: Zone, now: datetime) -> bool:
    """Whether a ONCE schedule's time has passed (recurring schedules never finish)."""
    check_schedule_type(schedule_type)
    _require_aware(now)
    return schedule_type == "ONCE" and to_instant(anchor, zone) <= now


def advance(instant: datetime, schedule_type: str, zone: Zone, *, in_utc: bool = False) -> datetime:
    """The next scheduled instant the server computes when a schedule fires at `instant`.

    `in_utc=False` mirrors `Calendar.add` on a JVM whose default zone is
    `zone`; `in_utc=True` one whose default zone is UTC (see the module doc).
    """
    check_schedule_type(schedule_type)
    if schedule_type == "ONCE":
        raise ValueError("a ONCE schedule does not recur")
    instant = instant.astimezone(UTC)
    if in_utc:
        if schedule_type == "HOURLY":
            return instant + HOUR
        return _step(instant.replace(tzinfo=None), schedule_type).replace(tzinfo=UTC)
    start = to_instant(wall_at(instant, zone).replace(fold=0), zone)
    if schedule_type == "HOURLY":
        moved = start + HOUR
    elif schedule_type in PERIOD_DAYS:
        moved = _add_days_keeping_offset(start, PERIOD_DAYS[schedule_type], zone)
    else:
        moved = to_instant(_step(wall_at(start, zone).replace(fold=0), schedule_type), zone)
    return to_instant(wall_at(moved, zone).replace(fold=0), zone)


def _add_days_keeping_offset(start: datetime, days: int, zone: Zone) -> datetime:
    """`Calendar.add(DAY_OF_MONTH, days)`: the old offset, corrected unless the date moves."""
    old = start.astimezone(zone.tzinfo).utcoffset()
    assert old is not None
    target = wall_at(start, zone).replace(fold=0) + timedelta(days=days)
    moved = (target - old).replace(tzinfo=UTC)
    new = moved.astimezone(zone.tzinfo).utcoffset()
    if new is not None and new != old:
        corrected = moved + (old - new)
        if wall_at(corrected, zone).date() == target.date():
            return corrected
    return moved


def _step(value: datetime, schedule_type: str) -> datetime:
    if schedule_type in PERIOD_DAYS:
        return value + timedelta(days=PERIOD_DAYS[schedule_type])
    return add_months(value, PERIOD_MONTHS[schedule_type])


def add_period(wall: datetime, schedule_type: str, zone: Zone, *, in_utc: bool = False) -> datetime:
    """`advance` on wall times: the wall time the server moves to after firing at `wall`.

    `wall.fold=1` selects the second instant of a fold (what `wall_at` returns
    for it), so chains of wall times round-trip; the result carries `fold` the
    same way.
    """
    before, after = (wall.replace(tzinfo=zone.tzinfo, fold=f).utcoffset() for f in (0, 1))
    preferred = after if wall.fold == 1 else before
    start = resolve_java(wall, zone, preferred=preferred)
    return wall_at(advance(start, schedule_type, zone, in_utc=in_utc), zone)
