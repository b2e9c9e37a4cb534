"""The memos that let a large plan resolve each wall time and timing once give the same
answers as computing afresh, in gaps and folds, and stay bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reconciler.timekeeping import TimeError, instants, resolve_zone, timing, to_instant
from reconciler.timekeeping.instants import offsets_of, resolve_java
from reconciler.timekeeping.timing import ScheduleTiming
from reconciler.timekeeping.zones import Zone

NEW_YORK = resolve_zone("America/New_York")
LORD_HOWE = resolve_zone("Australia/Lord_Howe")


@pytest.mark.parametrize("zone", [NEW_YORK, LORD_HOWE])
def test_remembered_instants_equal_fresh_ones_around_transitions(zone: Zone) -> None:
    walls = [
        datetime(2031, month, day, hour, minute)
        for month, day in ((3, 9), (3, 10), (4, 6), (10, 5), (11, 2), (11, 3))
        for hour in range(0, 4)
        for minute in (0, 15, 30, 45)
    ]
    for _ in range(2):  # the second pass answers from the memo
        for wall in walls:
            tz = zone.tzinfo
            before = wall.replace(tzinfo=tz, fold=0).utcoffset()
            after = wall.replace(tzinfo=tz, fold=1).utcoffset()
            assert before is not None and after is not None
            assert offsets_of(wall.replace(fold=1), zone) == (before, after)
            fresh = (wall - min(before, after)).replace(tzinfo=UTC)
            assert resolve_java(wall, zone) == fresh
            assert to_instant(wall, zone) == fresh
            # fold=1 is the same key: the server's answer does not depend on it
            assert to_instant(wall.replace(fold=1), zone) == fresh


def test_the_same_wall_in_two_zones_is_two_instants() -> None:
    wall = datetime(2031, 1, 1, 12)
    assert to_instant(wall, NEW_YORK) == datetime(2031, 1, 1, 17, tzinfo=UTC)
    assert to_instant(wall, resolve_zone("UTC")) == datetime(2031, 1, 1, 12, tzinfo=UTC)


def test_the_instant_memo_stays_bounded() -> None:
    start = datetime(2031, 1, 1)
    for minutes in range(instants._MEMO_LIMIT + 100):
        wall = start + timedelta(minutes=minutes)
        assert to_instant(wall, NEW_YORK) == wall.replace(tzinfo=UTC) + timedelta(hours=5)
    assert len(instants._INSTANTS) <= instants._MEMO_LIMIT
    assert len(instants._OFFSETS) <= instants._MEMO_LIMIT


def test_timing_memo_keeps_every_error() -> None:
    good = {"nextInterval": "2031-01-01T00:00:00.000", "scheduleType": "DAILY"}
    assert ScheduleTiming.from_payload(good).zone.key == "UTC"
    with pytest.raises(TimeError):  # same time and zone, unknown type: not answered from memo
        ScheduleTiming.from_payload({**good, "scheduleType": "SOMETIMES"})
    with pytest.raises(KeyError):
        ScheduleTiming.from_payload({"nextInterval": "2031-01-01T00:00:00.000"})
    with pytest.raises(TimeError):
        ScheduleTiming.from_payload({**good, "nextInterval": "2031-13-01T00:00:00.000"})


def test_timing_memo_distinguishes_zones_and_stays_bounded() -> None:
    base = {"nextInterval": "2031-01-01T00:00:00.000", "scheduleType": "DAILY"}
    in_ny = ScheduleTiming.from_payload({**base, "timezone": "America/New_York"})
    in_utc = ScheduleTiming.from_payload(base)
    assert in_ny.instant() - in_utc.instant() == timedelta(hours=5)
    for minutes in range(timing._TIMINGS_LIMIT + 10):
        wall = datetime(2031, 1, 1) + timedelta(minutes=minutes)
        text = f"{wall:%Y-%m-%dT%H:%M:%S}.000"
        assert ScheduleTiming.from_payload({**base, "nextInterval": text}).anchor == wall
    assert len(timing._TIMINGS) <= timing._TIMINGS_LIMIT
