"""`nextInterval` as users write it, and as the API takes it.

Users write `yyyy-MM-ddTHH:mm[:ss[.SSS]]` (a space may replace the `T`),
optionally followed by `Z` or an offset `+05:30` / `-0800`:
- without an offset it is a wall time in the schedule's zone;
- with one it is an instant, converted to the zone's wall time.
Seconds are optional (`17:30` means `17:30:00`); a fraction has 1 to 3
digits and is read as a decimal fraction (`.5` is 500 ms). More digits are
refused rather than rounded: the API carries milliseconds only, and a
silently changed time is worse than an error. Years before 1970 are refused
(surely a typo, and outside epoch-millisecond arithmetic the server does).

The API form is `yyyy-MM-dd'T'HH:mm:ss.SSS` with no offset: Testsigma reads it
as local time in `timezone`. A wall time inside a daylight-saving gap is an
error (it does not exist); one inside a fold is a warning naming both
instants and the one Testsigma will use: the server reads the wall time with
Java's legacy `SimpleDateFormat`, which takes the LATER instant (standard
time), so writing the earlier instant as an offset cannot be expressed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reconciler.timekeeping.instants import to_instant, transition_at, wall_at
from reconciler.timekeeping.zones import TimeError, Zone, zone_label

__all__ = ["Anchor", "format_api", "format_wall", "parse_api", "parse_next_interval"]

EXPECTED = "yyyy-MM-ddTHH:mm:ss[.SSS] with an optional Z or ±HH:MM offset"

_NEXT_INTERVAL = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[T ]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)
_API = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})")


@dataclass(frozen=True, slots=True)
class Anchor:
    """A parsed `nextInterval`: naive wall time in the schedule's zone, plus warnings."""

    wall: datetime
    warnings: tuple[str, ...] = ()


def format_wall(wall: datetime) -> str:
    """A wall time for messages: `2026-03-08T02:30`, with seconds/millis only when set."""
    return f"{wall.year:04d}-{wall.month:02d}-{wall.day:02d}T{format_clock(wall)}"


def format_clock(wall: datetime) -> str:
    """`HH:MM`, plus `:SS` and `.mmm` only when they are not zero."""
    text = f"{wall.hour:02d}:{wall.minute:02d}"
    if wall.second or wall.microsecond:
        text += f":{wall.second:02d}"
    if wall.microsecond:
        text += f".{wall.microsecond // 1000:03d}"
    return text


def _format_utc(instant: datetime) -> str:
    return format_wall(instant.astimezone(UTC).replace(tzinfo=None)) + "Z"


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_api(wall: datetime) -> str:
    """Wall time as the API takes it: `yyyy-MM-dd'T'HH:mm:ss.SSS`, no offset."""
    return (
        f"{wall.year:04d}-{wall.month:02d}-{wall.day:02d}T"
        f"{wall.hour:02d}:{wall.minute:02d}:{wall.second:02d}.{wall.microsecond // 1000:03d}"
    )


def parse_api(text: str) -> datetime:
    """The inverse of `format_api` (naive wall time); anything else is a `TimeError`."""
    match = _API.fullmatch(text)
    if not match:
        raise TimeError(f'expected yyyy-MM-ddTHH:mm:ss.SSS, got "{text}"')
    year, month, day, hour, minute, second, millis = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, millis * 1000)
    except ValueError as exc:
        raise TimeError(f'"{text}" is not a valid date and time: {exc}') from exc


def _checked_wall(value: str, match: re.Match[str]) -> datetime:
    """The wall time the fields spell, or a `TimeError` saying which field is impossible."""
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    fraction = match["fraction"] or ""
    prefix = f'nextInterval "{value}"'
    if len(fraction) > 3:
        raise TimeError(
            f"{prefix}: at most 3 fraction digits (milliseconds), because the API carries "
            f"milliseconds only; expected {EXPECTED}"
        )
    if year < 1970:
        raise TimeError(f"{prefix}: year {year:04d} is before 1970; is it a typo?")
    if not 1 <= month <= 12:
        raise TimeError(f"{prefix}: month {month:02d} is not between 01 and 12")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise TimeError(
            f"{prefix}: {year:04d}-{month:02d}-{day:02d} is not a date "
            f"({calendar.month_name[month]} {year} has {days} days)"
        )
    if hour > 23 or minute > 59 or second > 59:
        raise TimeError(
            f"{prefix}: {hour:02d}:{minute:02d}:{second:02d} is not a time of day "
            f"(hours 00-23, minutes and seconds 00-59)"
        )
    millis = int(fraction.ljust(3, "0")) if fraction else 0
    return datetime(year, month, day, hour, minute, second, millis * 1000)


def _parse_offset(value: str, text: str) -> timedelta:
    if text == "Z":
        return timedelta(0)
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if minutes > 59 or hours > 18 or (hours == 18 and minutes):
        raise TimeError(
            f'nextInterval "{value}": offset {text} is out of range (at most ±18:00, minutes 00-59)'
        )
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if text[0] == "-" else offset


def parse_next_interval(value: str, zone: Zone) -> Anchor:
    """Parse a `nextInterval` as written in YAML into wall time in `zone`."""
    match = _NEXT_INTERVAL.fullmatch(value)
    if not match:
        raise TimeError(f'nextInterval: expected {EXPECTED}, got "{value}"')
    wall = _checked_wall(value, match)
    if match["offset"] is None:
        _reject_gap(value, wall, zone)
        return Anchor(wall=wall, warnings=_fold_warnings(wall, zone, written=None))
    instant = (wall - _parse_offset(value, match["offset"])).replace(tzinfo=UTC)
    if instant.year < 1970:
        raise TimeError(f'nextInterval "{value}" is before 1970; is it a typo?')
    local = wall_at(instant, zone)
    return Anchor(wall=local.replace(fold=0), warnings=_fold_warnings(local, zone, written=instant))


def _reject_gap(value: str, wall: datetime, zone: Zone) -> None:
    change = transition_at(wall, zone)
    if change is None or not change.is_gap:
        return
    shifted = wall_at(to_instant(wall, zone), zone)
    raise TimeError(
        f"nextInterval {format_wall(wall)} does not exist in {zone_label(zone)}: clocks jump "
        f"from {format_clock(change.start_wall)} to {format_clock(change.end_wall)} that day. "
        f"Testsigma would run it at {format_clock(shifted)}; write a time outside "
        f"the gap (or an instant with an offset)"
    )


def _fold_warnings(wall: datetime, zone: Zone, *, written: datetime | None) -> tuple[str, ...]:
    change = transition_at(wall, zone)
    if change is None or change.is_gap:
        return ()
    naive = wall.replace(tzinfo=None, fold=0)
    earlier = (naive - change.before).replace(tzinfo=UTC)
    later = (naive - change.after).replace(tzinfo=UTC)
    head = (
        f"nextInterval {format_wall(naive)} happens twice in {zone_label(zone)} "
        f"(clocks go back from {format_clock(change.start_wall)} to "
        f"{format_clock(change.end_wall)} that day): first at {_format_utc(earlier)} "
        f"(UTC{_format_offset(change.before)}), again at {_format_utc(later)} "
        f"(UTC{_format_offset(change.after)})"
    )
    if written is not None and written == earlier:
        return (
            f"{head}. You wrote the first instant, but the API takes a wall time and "
            f"Testsigma (Java's SimpleDateFormat) uses the second, {_format_utc(later)}, "
            f"which is {_duration(change.before - change.after)} later",
        )
    return (f"{head}; Testsigma (Java's SimpleDateFormat) uses the second, {_format_utc(later)}",)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"
