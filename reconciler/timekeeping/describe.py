"""Plain words for a schedule's timing, as plans show them.

One line a reviewer can check at a glance: the recurrence in the schedule's
own terms (wall time, weekday, day of month), the UTC time it currently maps
to, and the next time it fires with the zone's abbreviation, e.g.
`DAILY at 17:30 Asia/Kolkata (12:00 UTC), next 2026-12-01 17:30 IST`.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from reconciler.timekeeping.instants import to_instant
from reconciler.timekeeping.parse import format_clock
from reconciler.timekeeping.recurrence import check_schedule_type, next_occurrence_after
from reconciler.timekeeping.zones import Zone

__all__ = ["describe"]

#: Zones that are UTC all year: their UTC time is not repeated in brackets.
_UTC_ZONES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
    | {"GMT", "Etc/GMT", "Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0", "GMT0", "GMT+0", "GMT-0"}
    | {"Etc/Greenwich", "Greenwich"}
)


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _when(anchor: datetime, schedule_type: str) -> str:
    clock = format_clock(anchor)
    if schedule_type == "HOURLY":
        return f"at :{clock[3:]} past each hour"
    if schedule_type == "WEEKLY":
        return f"on {calendar.day_name[anchor.weekday()]}s at {clock}"
    if schedule_type == "BIWEEKLY":
        weekday = calendar.day_name[anchor.weekday()]
        return f"every other {weekday} (from {anchor:%Y-%m-%d}) at {clock}"
    if schedule_type == "MONTHLY":
        tail = " (or the month's last day when shorter)" if anchor.day > 28 else ""
        return f"on the {_ordinal(anchor.day)}{tail} at {clock}"
    if schedule_type == "YEARLY":
        tail = " (Feb 28 in other years)" if (anchor.month, anchor.day) == (2, 29) else ""
        return f"on {anchor.day} {calendar.month_name[anchor.month]}{tail} at {clock}"
    if schedule_type == "ONCE":
        return f"at {anchor:%Y-%m-%d} {clock}"
    return f"at {clock}"


def describe(anchor: datetime, schedule_type: str, zone: Zone, now: datetime) -> str:
    """Plain words for a schedule's timing, as plans show it."""
    check_schedule_type(schedule_type)
    upcoming = next_occurrence_after(anchor, schedule_type, zone, now)
    shown = upcoming if upcoming is not None else anchor
    instant = to_instant(shown, zone)
    utc_clock = format_clock(instant.astimezone(UTC).replace(tzinfo=None))
    # `IST (Asia/Kolkata, 19:30 UTC)`, `UTC`, `Asia/Kolkata (12:00 UTC)`: each said once.
    means = [zone.key] if zone.key != zone.name else []
    shown_utc = [] if zone.key in _UTC_ZONES else [f"{utc_clock} UTC"]
    if schedule_type == "HOURLY":
        text = f"{schedule_type} {_when(anchor, schedule_type)} ({', '.join([zone.name, *means])})"
    else:
        extra = ", ".join([*means, *shown_utc])
        label = f"{zone.name} ({extra})" if extra else zone.name
        text = f"{schedule_type} {_when(anchor, schedule_type)} {label}"
    if upcoming is None:
        return f"{text}, already fired"
    if schedule_type == "ONCE":
        return text
    local = instant.astimezone(zone.tzinfo)
    return f"{text}, next {local:%Y-%m-%d} {format_clock(local)} {local.tzname()}"
