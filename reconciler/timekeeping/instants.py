"""Wall clocks and instants in a zone, resolved the way Java resolves them.

The API takes a wall time and the server turns it into an instant with Java's
legacy calendar API (`SimpleDateFormat` with a `TimeZone`, as the open-source
server does; checked against a real JVM by tests/timekeeping/test_java_oracle.py):
a wall time inside a daylight-saving gap moves later by the length of the gap,
and one inside a fold takes the LATER of its two instants (standard time).
`java.time.ZonedDateTime.of` would take the earlier one; the server does not
use it. `to_instant` follows those rules so that what we compute is
what the server stores. The math uses `datetime` objects throughout; epoch
milliseconds (what the API returns) are converted at the edges with exact
integer arithmetic, never floats.

`transitions_between` finds a zone's offset changes over a range without
stepping hour by hour: offsets are sampled once a day per zone-year (cached),
and each change is located to the second by bisection. Two transitions less
than a day apart would be missed; no zone has had that since 1970.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from reconciler.timekeeping.zones import Zone

__all__ = [
    "Transition",
    "epoch_ms",
    "from_epoch_ms",
    "instant_ms",
    "offsets_of",
    "resolve_java",
    "to_instant",
    "transition_at",
    "transitions_between",
    "wall_at",
    "wall_from_ms",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Recently computed (naive wall, tzinfo) -> offsets and -> instant. A plan resolves
#: the same wall times in several places (loading, the plan, the collision check, the
#: renderer), and zoneinfo computes a far-future offset from the zone's rule on every
#: call (~3 us, twice per wall). Bounded: emptied when full, so memory stays flat for
#: any number of schedules.
_OFFSETS: dict[tuple[datetime, tzinfo], tuple[timedelta, timedelta]] = {}
_INSTANTS: dict[tuple[datetime, tzinfo], datetime] = {}
_MEMO_LIMIT = 8192
_MS = timedelta(milliseconds=1)
_DAY_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class Transition:
    """An offset change of a zone: at instant `at`, the offset goes `before` -> `after`."""

    at: datetime
    before: timedelta
    after: timedelta

    @property
    def is_gap(self) -> bool:
        """Clocks jump forward: the walls in [start_wall, end_wall) do not exist."""
        return self.after > self.before

    @property
    def start_wall(self) -> datetime:
        """The wall clock just before the change (naive)."""
        return (self.at + self.before).replace(tzinfo=None)

    @property
    def end_wall(self) -> datetime:
        """The wall clock right after the change (naive)."""
        return (self.at + self.after).replace(tzinfo=None)


def offsets_of(wall: datetime, zone: Zone) -> tuple[timedelta, timedelta]:
    """The UTC offsets a wall time may have: (before a transition, after it); equal if unique."""
    naive = wall.replace(tzinfo=None)
    key = (naive, zone.tzinfo)  # a naive datetime's hash and equality ignore `fold`
    found = _OFFSETS.get(key)
    if found is None:
        first = naive.replace(tzinfo=zone.tzinfo, fold=0).utcoffset()
        second = naive.replace(tzinfo=zone.tzinfo, fold=1).utcoffset()
        assert first is not None and second is not None
        found = first, second
        if len(_OFFSETS) >= _MEMO_LIMIT:
            _OFFSETS.clear()
        _OFFSETS[key] = found
    return found


def resolve_java(wall: datetime, zone: Zone, *, preferred: timedelta | None = None) -> datetime:
    """The instant the server gives a wall time: gap -> shifted later; fold -> `preferred`
    when it is one of the fold's two offsets, else the later instant.

    Both rules are "take the smaller offset": in a gap that is the offset
    before the change (so the wall moves later by the gap), in a fold the
    offset after it (the second, later instant).
    """
    before, after = offsets_of(wall, zone)
    naive = wall.replace(tzinfo=None, fold=0)
    offset = min(before, after)
    if after < before and preferred == before:
        offset = before
    return (naive - offset).replace(tzinfo=UTC)


def to_instant(wall: datetime, zone: Zone) -> datetime:
    """The UTC instant of a wall time in `zone`, as the server resolves it (fold: the later)."""
    if wall.tzinfo is not None:  # not memoised: the key is a naive wall (fold ignored)
        return resolve_java(wall, zone)
    key = (wall, zone.tzinfo)
    found = _INSTANTS.get(key)
    if found is None:
        found = resolve_java(wall, zone)
        if len(_INSTANTS) >= _MEMO_LIMIT:
            _INSTANTS.clear()
        _INSTANTS[key] = found
    return found


def epoch_ms(instant: datetime) -> int:
    """Epoch milliseconds of an aware instant (exact integer arithmetic)."""
    return (instant - EPOCH) // _MS


def from_epoch_ms(ms: int) -> datetime:
    """The aware UTC instant of epoch milliseconds."""
    return EPOCH + ms * _MS


def instant_ms(wall: datetime, zone: Zone) -> int:
    """Epoch milliseconds of a wall time in `zone` (what the API reports as `nextInterval`)."""
    return epoch_ms(to_instant(wall, zone))


def wall_at(instant: datetime, zone: Zone) -> datetime:
    """The naive wall time of an instant in `zone`; `fold=1` marks the second of two."""
    return instant.astimezone(zone.tzinfo).replace(tzinfo=None)


def wall_from_ms(ms: int, zone: Zone) -> datetime:
    """The naive wall time in `zone` of epoch milliseconds (for showing live values)."""
    return wall_at(from_epoch_ms(ms), zone)


def _offset_at(seconds: int, tz: tzinfo) -> timedelta:
    offset = datetime.fromtimestamp(seconds, tz).utcoffset()
    assert offset is not None
    return offset


def _bisect(lo: int, hi: int, tz: tzinfo, before: timedelta) -> int:
    """The first second in (lo, hi] whose offset differs from `before` (offset(lo) == before)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(mid, tz) == before:
            lo = mid
        else:
            hi = mid
    return hi


def transition_at(wall: datetime, zone: Zone) -> Transition | None:
    """The transition that makes `wall` missing (gap) or doubled (fold), or None."""
    before, after = offsets_of(wall, zone)
    if before == after:
        return None
    naive = wall.replace(tzinfo=None, fold=0).replace(tzinfo=UTC)
    lo = int((naive - max(before, after)).timestamp()) - 1
    hi = int((naive - min(before, after)).timestamp())
    at = _bisect(lo, hi, zone.tzinfo, before)
    return Transition(at=datetime.fromtimestamp(at, UTC), before=before, after=after)


@lru_cache(maxsize=4096)
def _year_transitions(tz: tzinfo, year: int) -> tuple[Transition, ...]:
    start = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    found: list[Transition] = []
    previous = _offset_at(start, tz)
    for seconds in range(start + _DAY_SECONDS, end + _DAY_SECONDS, _DAY_SECONDS):
        lo, hi = seconds - _DAY_SECONDS, min(seconds, end)
        while _offset_at(hi, tz) != previous:
            at = _bisect(lo, hi, tz, previous)
            after = _offset_at(at, tz)
            found.append(Transition(datetime.fromtimestamp(at, UTC), previous, after))
            previous, lo = after, at
    return tuple(found)


def transitions_between(zone: Zone, start: datetime, end: datetime) -> list[Transition]:
    """The zone's offset changes in (start, end], oldest first."""
    if isinstance(zone.tzinfo, timezone) or end <= start:
        return []
    found: list[Transition] = []
    for year in range(start.year, end.year + 1):
        found.extend(t for t in _year_transitions(zone.tzinfo, year) if start < t.at <= end)
    return found
