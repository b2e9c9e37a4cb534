"""Which `timezone` values are safe to send, and which zone each one means.

Testsigma parses `timezone` the way Java's `TimeZone.getTimeZone` does, and
that function never fails: an id it does not know silently becomes GMT, so a
typo fires the schedule at the wrong hour with no error anywhere. This module
is therefore strict where Java is lenient. It accepts only what Java maps
unambiguously: IANA names (checked against the `tzdata` package, so the answer
does not depend on the machine's zone files), the 28 short ids of
`java.time.ZoneId.SHORT_IDS` mapped exactly as Java maps them, and
`GMT+hh:mm`-style custom ids in the forms both `TimeZone` and `ZoneId` read.
Everything else is a `TimeError` with a "did you mean" hint.

`Zone.name` is what the user wrote, because that is what gets sent;
`Zone.key` is the IANA key (or fixed-offset id) used for the math.
"""

from __future__ import annotations

import difflib
import importlib.resources
import re
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from functools import cache, lru_cache

__all__ = ["SHORT_IDS", "TimeError", "Zone", "resolve_zone", "suggest_zone", "zone_label"]


class TimeError(ValueError):
    """A zone or time the user wrote is wrong; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Zone:
    """A validated `timezone`: `name` as written (and sent), `key` the zone used for math."""

    name: str
    key: str
    tzinfo: tzinfo
    warning: str | None = None


#: java.time.ZoneId.SHORT_IDS, all 28, exactly as Java maps them. The three
#: fixed offsets are ids of `ZoneOffset`, not IANA zones: no daylight saving.
SHORT_IDS: dict[str, str] = {
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
    "EST": "-05:00",
    "MST": "-07:00",
    "HST": "-10:00",
}

_FIXED_SHORT_MEANT = {
    "EST": "America/New_York",
    "MST": "America/Denver (or America/Phoenix, which keeps MST all year)",
    "HST": "Pacific/Honolulu",
}

#: Short ids whose Java meaning differs from what many people mean by them.
_SURPRISING_SHORT = {
    "AST": "Alaska (America/Anchorage), not Atlantic Standard Time (America/Halifax)",
    "BST": "Bangladesh (Asia/Dhaka), not British Summer Time (Europe/London)",
    "CST": "US Central (America/Chicago), not China Standard Time (Asia/Shanghai)",
    "ECT": "Central Europe (Europe/Paris), not Ecuador (America/Guayaquil)",
    "MIT": "Samoa (Pacific/Apia), not Midway (Pacific/Midway)",
    "NST": "New Zealand (Pacific/Auckland), not Newfoundland (America/St_Johns)",
    "SST": "Solomon Islands (Pacific/Guadalcanal), not Samoa (Pacific/Pago_Pago)",
}

#: IANA names added recently enough that an older Java on the server may not
#: know them (and would silently use GMT); the older name is a safe alias.
_RECENT_NAMES = {
    "Europe/Kyiv": ("2022b", "Europe/Kiev"),
    "America/Nuuk": ("2020a", "America/Godthab"),
    "Pacific/Kanton": ("2021b", "Pacific/Enderbury"),
}

# The custom-id forms both TimeZone.getTimeZone and ZoneId.of accept:
# GMT+h, GMT+hh, GMT+hh:mm, GMT+hhmm.
_CUSTOM_ID = re.compile(r"GMT([+-])(?:(\d{1,2})|(\d{2}):?(\d{2}))")
_OFFSET_LIKE = re.compile(r"(?:UTC|GMT|Z|UT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_ETC_GMT = re.compile(r"Etc/GMT([+-])(\d{1,2})")


@cache
def _iana_names() -> frozenset[str]:
    """The zone keys of the `tzdata` package (deterministic, unlike the machine's files)."""
    try:
        text = importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
        names = set(text.split())
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - tzdata is a dependency
        names = set(zoneinfo.available_timezones())
    names.discard("Factory")
    names.discard("localtime")
    return frozenset(names - set(SHORT_IDS))


@cache
def _known_names() -> dict[str, str]:
    """Every accepted name, by its lowercase form (for case-mistake hints)."""
    names = {*_iana_names(), *SHORT_IDS}
    return {name.lower(): name for name in sorted(names)}


def zone_label(zone: Zone) -> str:
    """How messages name a zone: as written, plus the zone it means when that differs."""
    if zone.name == zone.key:
        return zone.name
    return f"{zone.name} ({zone.key})"


@lru_cache(maxsize=1024)  # a Zone is immutable; names in use are few
def resolve_zone(name: str) -> Zone:
    """Validate a `timezone` value (IANA name, Java short id, or GMT custom id)."""
    if name in SHORT_IDS:
        return _short_zone(name)
    custom = _CUSTOM_ID.fullmatch(name)
    if custom:
        return _custom_zone(name, custom)
    if name in _iana_names():
        return Zone(
            name=name, key=name, tzinfo=zoneinfo.ZoneInfo(name), warning=_iana_warning(name)
        )
    raise TimeError(_unknown_message(name))


def _short_zone(name: str) -> Zone:
    key = SHORT_IDS[name]
    if name in _FIXED_SHORT_MEANT:
        hours = int(key[:3])
        return Zone(
            name=name,
            key=key,
            tzinfo=timezone(timedelta(hours=hours), name),
            warning=(
                f'timezone "{name}" is a fixed offset of UTC{key} to Testsigma (Java): it never '
                f"changes for daylight saving. If you meant the local time of a place, write "
                f"{_FIXED_SHORT_MEANT[name]}"
            ),
        )
    warning = None
    if name in _SURPRISING_SHORT:
        warning = (
            f'timezone "{name}" means {_SURPRISING_SHORT[name]} to Testsigma (Java); '
            f"write the IANA name to say which one you mean"
        )
    return Zone(name=name, key=key, tzinfo=zoneinfo.ZoneInfo(key), warning=warning)


def _custom_zone(name: str, match: re.Match[str]) -> Zone:
    sign, short_hours, hours_text, minutes_text = match.groups()
    hours = int(short_hours if short_hours is not None else hours_text)
    minutes = int(minutes_text or 0)
    if minutes > 59 or hours > 18 or (hours == 18 and minutes > 0):
        raise TimeError(
            f'timezone "{name}" is not a valid offset: hours must be 0-18 and minutes 00-59'
        )
    key = f"GMT{sign}{hours:02d}:{minutes:02d}"
    delta = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
    return Zone(
        name=name,
        key=key,
        tzinfo=timezone(delta, key),
        warning=(
            f'timezone "{name}" is a fixed offset: it never changes for daylight saving. '
            f"If the schedule should follow a place's local time, use its IANA name "
            f"(such as Europe/Berlin)"
        ),
    )


def _iana_warning(name: str) -> str | None:
    etc = _ETC_GMT.fullmatch(name)
    if etc:
        real_sign = "-" if etc.group(1) == "+" else "+"
        return (
            f'timezone "{name}" is UTC{real_sign}{int(etc.group(2)):02d}:00 (POSIX inverts the '
            f"sign of Etc/GMT zones) and never changes for daylight saving"
        )
    if name in _RECENT_NAMES:
        version, older = _RECENT_NAMES[name]
        return (
            f'timezone "{name}" entered the tz database in {version}; if Testsigma runs an '
            f'older Java it does not know it and silently uses GMT. "{older}" is the same zone '
            f"under its older name"
        )
    return None


def suggest_zone(name: str) -> str | None:
    """The accepted name closest to `name`, or None when nothing is close."""
    known = _known_names()
    norm = "_".join(name.strip().split())
    lowered = norm.lower()
    if lowered in known:
        return known[lowered]
    offset = _OFFSET_LIKE.fullmatch(name.strip())
    if offset:
        sign, hours, minutes = offset.groups()
        return f"GMT{sign}{int(hours):02d}:{minutes or '00'}"
    by_city: dict[str, str] = {}
    for low, real in known.items():
        by_city.setdefault(low.rsplit("/", 1)[-1], real)
    if lowered in by_city:
        return by_city[lowered]
    close = difflib.get_close_matches(lowered, list(known), n=1, cutoff=0.8)
    if close:
        return known[close[0]]
    close = difflib.get_close_matches(lowered.rsplit("/", 1)[-1], list(by_city), n=1, cutoff=0.8)
    if close:
        return by_city[close[0]]
    return None


def _unknown_message(name: str) -> str:
    if not name.strip():
        head = "timezone is empty"
    else:
        suggestion = suggest_zone(name)
        hint = f' (did you mean "{suggestion}"?)' if suggestion else ""
        head = f'unknown timezone "{name}"{hint}'
    return (
        f"{head}: Testsigma silently runs a schedule whose timezone it does not know in GMT, "
        f"so it would fire at the wrong hour. Use an IANA name such as Asia/Kolkata or "
        f"America/New_York, a Java short id such as IST or PST, or an offset such as GMT+05:30"
    )
