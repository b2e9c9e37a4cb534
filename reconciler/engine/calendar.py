"""When declared schedules fire: firings over a window, and the collisions among them. Pure.

The expansion walks `timekeeping.occurrences_after`, whose first item is what
the plan uses to roll a passed anchor forward, so the calendar inherits every rule
the plan follows (DST gaps move later and folds take the later instant, as the
server's Java parser does; MONTHLY clamps to short months; HOURLY is real
time) and cannot disagree with what `apply` sends. Only ACTIVE schedules fire;
a ONCE whose time has passed (relative to `now`) never fires again.

Two kinds of collision are found:
- `same-test-plan`: two schedules of one test plan due within 3 minutes of
  each other. Testsigma's scheduler polls every 3 minutes, starts each due
  test plan once per poll and skips the others without advancing them, so the
  second schedule is left with a past time and never fires again ("stuck").
- `crowded`: more than `max_concurrent` runs starting within 15 minutes,
  which compete for the same agents and devices.
Repeats of one collision (the same schedules, every day) are grouped, with
every time they happen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reconciler import timekeeping as tk
from reconciler.core.errors import Location, Problem
from reconciler.core.model import DesiredSet, Payload
from reconciler.timekeeping.timing import ScheduleTiming

__all__ = [
    "CROWD_WINDOW",
    "DEFAULT_MAX_CONCURRENT",
    "POLL",
    "Calendar",
    "Collision",
    "Entry",
    "Firing",
    "busiest_hour",
    "collision_warnings",
    "crowded_collisions",
    "expand",
    "firings_of",
    "same_plan_collisions",
]

POLL = timedelta(minutes=3)
CROWD_WINDOW = timedelta(minutes=15)
DEFAULT_MAX_CONCURRENT = 5
#: How far ahead `plan` looks for same-test-plan collisions: a year and a day
#: meets every pair of recurrences (a YEARLY against a DAILY) and every DST
#: change at least once. A test plan with many frequent schedules is looked at
#: over a shorter span, so that it expands to about `WARNING_BUDGET` runs
#: (a plan of thousands of schedules stays fast); `calendar` looks as far as asked.
WARNING_HORIZON = timedelta(days=366)
WARNING_BUDGET = 4000
#: At most this many collision warnings per test plan; one more line counts the rest.
WARNINGS_PER_TEST_PLAN = 10
_PER_DAY = {"HOURLY": 24.0, "DAILY": 1.0, "WEEKLY": 1 / 7, "BIWEEKLY": 1 / 14}
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Entry:
    """What the calendar needs of one schedule: its name, payload, and test plan name if known."""

    name: str
    payload: Payload
    test_plan: str | None = None
    location: Location | None = None
    #: The payload's nextInterval as the loader parsed it (None: read from the payload).
    anchor: datetime | None = None


@dataclass(frozen=True, slots=True)
class Firing:
    """One run a schedule starts: `at` is the UTC instant, `zone` the schedule's own zone."""

    name: str
    execution_id: int | None
    test_plan: str | None
    at: datetime
    zone: tk.Zone
    schedule_type: str

    @property
    def local(self) -> datetime:
        """The firing on the schedule's own wall clock (aware)."""
        return self.at.astimezone(self.zone.tzinfo)

    @property
    def plan_key(self) -> str:
        """Which test plan it runs: the id, or the name when the id is not resolved."""
        if self.execution_id is not None:
            return f"id:{self.execution_id}"
        return f"name:{self.test_plan or self.name}"


@dataclass(frozen=True, slots=True)
class Collision:
    """Schedules that start too close together; `times` is every start of the clash."""

    kind: str  # "same-test-plan" or "crowded"
    names: tuple[str, ...]
    times: tuple[datetime, ...]
    execution_id: int | None = None
    test_plan: str | None = None
    limit: int | None = None  # the max_concurrent exceeded ("crowded")
    largest: int = 0  # the most runs in one window ("crowded")


@dataclass(frozen=True, slots=True)
class Calendar:
    """Every firing in [start, end), oldest first, and the collisions among them."""

    start: datetime
    end: datetime
    firings: tuple[Firing, ...]
    collisions: tuple[Collision, ...]
    max_concurrent: int


def firings_of(entry: Entry, *, start: datetime, end: datetime, now: datetime) -> list[Firing]:
    """The firings of one schedule in [start, end); none unless ACTIVE and well formed."""
    payload = entry.payload
    if payload.get("status", "ACTIVE") != "ACTIVE":
        return []
    if not payload.get("timezone"):  # no zone (a record adopted from the server): no guess
        return []
    try:
        timing = ScheduleTiming.from_payload(payload, entry.anchor)
    except (KeyError, ValueError):
        return []
    zone, anchor, schedule_type = timing.zone, timing.anchor, timing.schedule_type
    if schedule_type == "ONCE" and tk.has_fired(anchor, schedule_type, zone, now):
        return []
    raw_id = payload.get("executionId")
    execution_id = raw_id if isinstance(raw_id, int) else None
    found: list[Firing] = []
    for upcoming in tk.occurrences_after(anchor, schedule_type, zone, start - _TICK):
        instant = tk.to_instant(upcoming, zone)
        if instant >= end:
            break
        found.append(
            Firing(entry.name, execution_id, entry.test_plan, instant, zone, schedule_type)
        )
    return found


def expand(
    entries: Iterable[Entry],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    max_concurrent: int = DEFAULT_MAX_CONCURRENT,
) -> Calendar:
    """Every firing of `entries` in [start, end) and the collisions among them."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    firings: list[Firing] = []
    for entry in entries:
        firings.extend(firings_of(entry, start=start, end=end, now=now))
    firings.sort(key=lambda f: (f.at, f.name))
    collisions = same_plan_collisions(firings) + crowded_collisions(firings, max_concurrent)
    return Calendar(start, end, tuple(firings), tuple(collisions), max_concurrent)


def same_plan_collisions(firings: Sequence[Firing]) -> list[Collision]:
    """Pairs of schedules of one test plan due within `POLL` of each other (oldest first)."""
    by_plan: dict[str, list[Firing]] = defaultdict(list)
    for firing in firings:
        by_plan[firing.plan_key].append(firing)
    clashes: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    first_of: dict[tuple[str, str], Firing] = {}
    for group in by_plan.values():
        group.sort(key=lambda f: (f.at, f.name))
        for index, earlier in enumerate(group):
            for later in group[index + 1 :]:
                if later.at - earlier.at > POLL:
                    break
                if later.name == earlier.name:
                    continue
                pair = (earlier.name, later.name)
                clashes[pair].append(earlier.at)
                first_of.setdefault(pair, earlier)
    found = [
        Collision(
            kind="same-test-plan",
            names=pair,
            times=tuple(times),
            execution_id=first_of[pair].execution_id,
            test_plan=first_of[pair].test_plan,
        )
        for pair, times in clashes.items()
    ]
    return sorted(found, key=lambda c: (c.times[0], c.names))


def crowded_collisions(firings: Sequence[Firing], limit: int) -> list[Collision]:
    """Windows of `CROWD_WINDOW` in which more than `limit` runs start (each run counted once).

    A window opens at a firing and holds every firing less than 15 minutes
    later; when it holds too many, it is reported and the scan resumes after it.
    """
    groups: dict[tuple[str, ...], list[tuple[datetime, int]]] = defaultdict(list)
    ordered = sorted(firings, key=lambda f: (f.at, f.name))
    index = 0
    while index < len(ordered):
        close = index
        while close < len(ordered) and ordered[close].at - ordered[index].at < CROWD_WINDOW:
            close += 1
        if close - index > limit:
            names = tuple(sorted({f.name for f in ordered[index:close]}))
            groups[names].append((ordered[index].at, close - index))
            index = close
        else:
            index += 1
    found = [
        Collision(
            kind="crowded",
            names=names,
            times=tuple(at for at, _ in starts),
            limit=limit,
            largest=max(count for _, count in starts),
        )
        for names, starts in groups.items()
    ]
    return sorted(found, key=lambda c: (c.times[0], c.names))


def busiest_hour(firings: Iterable[Firing]) -> tuple[datetime, int] | None:
    """The UTC clock hour with the most firings (the earliest of equals), and how many."""
    counts: dict[datetime, int] = defaultdict(int)
    for firing in firings:
        counts[firing.at.replace(minute=0, second=0, microsecond=0)] += 1
    if not counts:
        return None
    hour = min(counts, key=lambda h: (-counts[h], h))
    return hour, counts[hour]


def collision_warnings(desired: DesiredSet, *, now: datetime) -> tuple[Problem, ...]:
    """`plan`'s warnings: declared schedules of one test plan due within 3 minutes.

    Only test plans with two or more declared ACTIVE schedules are expanded,
    over `_horizon` of them; each pair is reported once, at the location of
    the schedule due second, and at most `WARNINGS_PER_TEST_PLAN` per test plan.
    """
    groups: dict[str, list[Entry]] = defaultdict(list)
    for schedule in desired.schedules:
        if schedule.payload.get("status", "ACTIVE") != "ACTIVE":
            continue
        raw = schedule.payload.get("executionId")
        key = f"id:{raw}" if raw is not None else f"name:{schedule.test_plan}"
        groups[key].append(
            Entry(schedule.name, schedule.payload, schedule.test_plan, anchor=schedule.anchor)
        )
    where = {s.name: s.location for s in desired.schedules}
    problems: list[Problem] = []
    for entries in groups.values():
        if len(entries) < 2:
            continue
        end = now + _horizon(entries)
        firings = [f for e in entries for f in firings_of(e, start=now, end=end, now=now)]
        seen: set[frozenset[str]] = set()
        clashes = []
        for clash in same_plan_collisions(firings):
            if frozenset(clash.names) not in seen:
                seen.add(frozenset(clash.names))
                clashes.append(clash)
        for clash in clashes[:WARNINGS_PER_TEST_PLAN]:
            message = _clash_message(clash, days=(end - now).days)
            problems.append(Problem(where[clash.names[1]], message, "warning"))
        if len(clashes) > WARNINGS_PER_TEST_PLAN:
            last = clashes[WARNINGS_PER_TEST_PLAN]
            problems.append(
                Problem(
                    where[last.names[1]],
                    f"and {len(clashes) - WARNINGS_PER_TEST_PLAN} more pairs of schedules of "
                    f"{_plan_words(last)} are due within 3 minutes of each other; "
                    f"`reconciler calendar` lists them all",
                    "warning",
                )
            )
    return tuple(problems)


def _horizon(entries: Sequence[Entry]) -> timedelta:
    """A year and a day, or less when the entries fire more than `WARNING_BUDGET` times in it."""
    per_day = sum(_PER_DAY.get(str(e.payload.get("scheduleType")), 0.0) for e in entries)
    if per_day * WARNING_HORIZON.days <= WARNING_BUDGET:
        return WARNING_HORIZON
    return timedelta(days=max(1, int(WARNING_BUDGET / per_day)))


def _plan_words(clash: Collision) -> str:
    if clash.test_plan and clash.execution_id:
        return f"test plan {clash.test_plan!r} ({clash.execution_id})"
    if clash.test_plan:
        return f"test plan {clash.test_plan!r}"
    return f"test plan {clash.execution_id}" if clash.execution_id else "the same test plan"


def _clash_message(clash: Collision, *, days: int) -> str:
    first, second = clash.names
    when = clash.times[0].strftime("%Y-%m-%d %H:%M UTC")
    times = len(clash.times)
    repeat = f", {times} times in the next {days} days" if times > 1 else ""
    return (
        f"schedules {first!r} and {second!r} both run {_plan_words(clash)} within 3 minutes of "
        f"each other (first at {when}{repeat}): Testsigma's scheduler polls every 3 minutes and "
        f"skips a test plan that is already running, so {second!r} would be left behind and "
        f"never fire again (stuck). Move one of them at least 3 minutes apart"
    )
