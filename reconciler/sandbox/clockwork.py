"""Time as the sandbox's server side sees it: zones like Java, formats, periods.

Deliberately independent of `reconciler.timekeeping`: the sandbox plays
Testsigma, so it re-derives the server's rules (Java's `TimeZone.getTimeZone`
lookup, `ZonedDateTime.plusX` arithmetic) from the API notes instead of
sharing the client's code. A bug shared by both would otherwise go unseen.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Java's legacy three-letter ids (`TimeZone.getTimeZone`), as the JDK maps them.
JAVA_SHORT_IDS: dict[str, str] = {
    "ACT": "Australia/Darwin",
    "AET": "Australia/Sydney",
    "AGT": "America/Argentina/Buenos_Aires",
    "ART": "Africa/Cairo",
    "AST": "America/Anchorage",
    "BET": "America/Sao_Paulo",
    "BST": "Asia/Dhaka",
    "CAT": "Africa/Harare",
    "CNT": "America/St_Johns",
    "CST": "America/Chicago",
    "CTT": "Asia/Shanghai",
    "EAT": "Africa/Addis_Ababa",
    "ECT": "Europe/Paris",
    "IET": "America/Indiana/Indianapolis",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "MIT": "Pacific/Apia",
    "NET": "Asia/Yerevan",
    "NST": "Pacific/Auckland",
    "PLT": "Asia/Karachi",
    "PNT": "America/Phoenix",
    "PRT": "America/Puerto_Rico",
    "PST": "America/Los_Angeles",
    "SST": "Pacific/Guadalcanal",
    "VST": "Asia/Ho_Chi_Minh",
}

#: Java's fixed-offset short ids (no daylight saving).
JAVA_FIXED_IDS: dict[str, timedelta] = {
    "EST": timedelta(hours=-5),
    "MST": timedelta(hours=-7),
    "HST": timedelta(hours=-10),
}

_CUSTOM_ID = re.compile(r"^GMT([+-])(\d{1,2}):?(\d{2})?$")
_REQUEST_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$")

_LEGACY_TZDATA = frozenset(("CET", "EET", "MET", "WET", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"))

RECURRING_TYPES = ("HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "YEARLY")
SCHEDULE_TYPES = ("ONCE", *RECURRING_TYPES)


def zone_like_java(name: str) -> tzinfo:
    """The zone Java would use for `name`; anything unknown silently becomes GMT (UTC)."""
    if name in JAVA_FIXED_IDS:
        return timezone(JAVA_FIXED_IDS[name], name)
    if name in JAVA_SHORT_IDS:
        return ZoneInfo(JAVA_SHORT_IDS[name])
    if name in ("GMT", "UTC", "UT"):
        return UTC
    custom = _CUSTOM_ID.match(name)
    if custom:
        sign, hours, minutes = custom.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if offset <= timedelta(hours=23, minutes=59):
            return timezone(offset if sign == "+" else -offset, name)
        return UTC
    if "/" not in name and name not in _LEGACY_TZDATA:
        # Java knows no other abbreviation; tzdata's legacy names (EST5EDT, CET...) do exist.
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def parse_request_time(text: object) -> datetime | None:
    """`yyyy-MM-dd'T'HH:mm:ss.SSS` exactly -> naive wall time, else None."""
    if not isinstance(text, str) or not _REQUEST_FORMAT.match(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f")
    except ValueError:
        return None


def wall_to_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of a wall time as the server's legacy parser (`SimpleDateFormat`
    with a `TimeZone`) reads it: the later instant, both in a gap (the wall moves forward
    by the gap) and in a fold (the second pass, standard time)."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return max(first, second)


def epoch_ms(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)


def format_utc(instant: datetime) -> str:
    """`yyyy-MM-ddTHH:mm:ssZ`, as `nextIntervalUTC` is returned."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plus_months(wall: datetime, months: int) -> datetime:
    """Java's `plusMonths`: the day clamps to the target month's length."""
    index = wall.year * 12 + (wall.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    first_next = datetime(year + (month == 12), month % 12 + 1, 1)
    last_day = (first_next - timedelta(days=1)).day
    return wall.replace(year=year, month=month, day=min(wall.day, last_day))


def _resolve_keeping_offset(wall: datetime, zone: tzinfo, previous: timedelta | None) -> datetime:
    """`ZonedDateTime.resolveLocal`: keep the previous offset in a fold, move over a gap."""
    for fold in (0, 1):
        candidate = wall.replace(tzinfo=zone, fold=fold)
        if candidate.utcoffset() == previous and candidate.astimezone(UTC).astimezone(zone).replace(
            tzinfo=None
        ) == wall.replace(fold=0):
            return candidate.astimezone(UTC)
    return wall_to_instant(wall, zone)


def add_period(instant: datetime, schedule_type: str, zone: tzinfo) -> datetime:
    """The instant one period of `schedule_type` after `instant`, computed in `zone`
    (pass UTC to compute in UTC). HOURLY is an exact hour, the rest calendar periods."""
    if schedule_type == "HOURLY":
        return instant + timedelta(hours=1)
    local = instant.astimezone(zone)
    wall = local.replace(tzinfo=None)
    if schedule_type == "DAILY":
        wall = wall + timedelta(days=1)
    elif schedule_type == "WEEKLY":
        wall = wall + timedelta(days=7)
    elif schedule_type == "BIWEEKLY":
        wall = wall + timedelta(days=14)
    elif schedule_type == "MONTHLY":
        wall = _plus_months(wall, 1)
    elif schedule_type == "YEARLY":
        wall = _plus_months(wall, 12)
    else:
        raise ValueError(f"{schedule_type} does not recur")
    return _resolve_keeping_offset(wall, zone, local.utcoffset())
