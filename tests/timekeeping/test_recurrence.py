"""Occurrences, roll-forward and the server's step, around month ends and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reconciler.timekeeping import (
    SCHEDULE_TYPES,
    TimeError,
    add_period,
    advance,
    has_fired,
    next_occurrence_after,
    resolve_zone,
    to_instant,
    wall_at,
)

NY = resolve_zone("America/New_York")
IST = resolve_zone("Asia/Kolkata")
LORD_HOWE = resolve_zone("Australia/Lord_Howe")
SANTIAGO = resolve_zone("America/Santiago")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_schedule_types() -> None:
    assert SCHEDULE_TYPES == ("ONCE", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "YEARLY")
    with pytest.raises(TimeError, match="expected one of ONCE"):
        next_occurrence_after(datetime(2026, 1, 1), "FORTNIGHTLY", IST, utc(2026, 1, 1))


def test_future_anchor_is_its_own_next_occurrence() -> None:
    anchor = datetime(2026, 12, 1, 17, 30)
    for schedule_type in SCHEDULE_TYPES:
        assert next_occurrence_after(anchor, schedule_type, IST, utc(2026, 6, 1)) == anchor


def test_once_in_the_past_has_fired() -> None:
    anchor = datetime(2026, 12, 24, 9, 0)
    assert next_occurrence_after(anchor, "ONCE", IST, utc(2026, 12, 24, 3, 30)) is None
    assert has_fired(anchor, "ONCE", IST, utc(2026, 12, 24, 3, 30))
    assert not has_fired(anchor, "ONCE", IST, utc(2026, 12, 24, 3, 29))
    assert not has_fired(anchor, "DAILY", IST, utc(2030, 1, 1))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_occurrence_after(datetime(2026, 1, 1), "DAILY", IST, datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("schedule_type", "now", "expected"),
    [
        ("HOURLY", utc(2026, 3, 3, 12, 0), datetime(2026, 3, 3, 17, 45)),
        ("DAILY", utc(2026, 3, 3, 12, 0), datetime(2026, 3, 3, 17, 45)),
        ("DAILY", utc(2026, 3, 3, 12, 15), datetime(2026, 3, 4, 17, 45)),
        ("WEEKLY", utc(2026, 3, 3, 12, 15), datetime(2026, 3, 6, 17, 45)),  # Fridays
        ("BIWEEKLY", utc(2026, 3, 3, 12, 15), datetime(2026, 3, 13, 17, 45)),
        ("MONTHLY", utc(2026, 3, 3, 12, 15), datetime(2026, 3, 31, 17, 45)),
        ("MONTHLY", utc(2026, 4, 3, 12, 15), datetime(2026, 4, 30, 17, 45)),
        ("YEARLY", utc(2026, 3, 3, 12, 15), datetime(2027, 1, 31, 17, 45)),
    ],
)
def test_past_anchor_rolls_forward_a_decade_later(
    schedule_type: str, now: datetime, expected: datetime
) -> None:
    anchor = datetime(2016, 1, 1, 17, 45) if schedule_type == "WEEKLY" else None
    anchor = anchor or datetime(2016, 1, 31, 17, 45)
    if schedule_type == "BIWEEKLY":
        anchor = datetime(2016, 1, 1, 17, 45)
    assert next_occurrence_after(anchor, schedule_type, IST, now) == expected


def test_monthly_clamps_each_month_from_the_anchor_day() -> None:
    anchor = datetime(2026, 1, 31, 9, 0)
    seen = []
    now = utc(2026, 1, 1)
    for _ in range(4):
        wall = next_occurrence_after(anchor, "MONTHLY", IST, now)
        assert wall is not None
        seen.append(wall.date().isoformat())
        now = to_instant(wall, IST)
    assert seen == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]


def test_server_clamps_month_ends_progressively() -> None:
    wall = datetime(2026, 1, 31, 9, 0)
    chain = []
    for _ in range(3):
        wall = add_period(wall, "MONTHLY", IST)
        chain.append(wall.date().isoformat())
    assert chain == ["2026-02-28", "2026-03-28", "2026-04-28"]


def test_yearly_leap_day_falls_back_to_feb_28() -> None:
    anchor = datetime(2024, 2, 29, 8, 0)
    assert next_occurrence_after(anchor, "YEARLY", IST, utc(2024, 3, 1)) == datetime(2025, 2, 28, 8)
    assert next_occurrence_after(anchor, "YEARLY", IST, utc(2027, 3, 1)) == datetime(2028, 2, 29, 8)
    assert add_period(anchor, "YEARLY", IST) == datetime(2025, 2, 28, 8)


def test_daily_occurrence_in_a_gap_is_shifted_like_java() -> None:
    anchor = datetime(2026, 3, 1, 2, 30)
    wall = next_occurrence_after(anchor, "DAILY", NY, utc(2026, 3, 7, 12))
    assert wall == datetime(2026, 3, 8, 3, 30)  # 02:30 does not exist that day
    assert to_instant(wall, NY) == utc(2026, 3, 8, 7, 30)
    after = next_occurrence_after(anchor, "DAILY", NY, to_instant(wall, NY))
    assert after == datetime(2026, 3, 9, 2, 30)


def test_daily_keeps_wall_time_across_dst_in_both_hemispheres() -> None:
    anchor = datetime(2026, 3, 1, 9, 0)
    march = next_occurrence_after(anchor, "DAILY", NY, utc(2026, 3, 7, 15))
    july = next_occurrence_after(anchor, "DAILY", NY, utc(2026, 7, 7, 15))
    assert (march, july) == (datetime(2026, 3, 8, 9), datetime(2026, 7, 8, 9))
    assert to_instant(datetime(2026, 3, 8, 9), NY) - to_instant(datetime(2026, 3, 7, 9), NY) == (
        timedelta(hours=23)
    )
    santiago_april = next_occurrence_after(anchor, "DAILY", SANTIAGO, utc(2026, 4, 20))
    assert santiago_april is not None and santiago_april.time() == anchor.time()


def test_hourly_is_every_sixty_minutes_across_a_fold() -> None:
    anchor = datetime(2026, 11, 1, 0, 30)  # EDT
    walls = []
    now = utc(2026, 11, 1, 4, 0)
    for _ in range(4):
        wall = next_occurrence_after(anchor, "HOURLY", NY, now)
        assert wall is not None
        walls.append(wall)
        now = to_instant(wall, NY)
    # 01:30 EST (the second pass) cannot be sent as a wall time: it is skipped.
    assert walls == [
        datetime(2026, 11, 1, 0, 30),
        datetime(2026, 11, 1, 1, 30),
        datetime(2026, 11, 1, 2, 30),
        datetime(2026, 11, 1, 3, 30),
    ]
    assert now == utc(2026, 11, 1, 8, 30)


def test_hourly_at_lord_howe_moves_thirty_minutes_on_the_wall() -> None:
    anchor = datetime(2026, 10, 3, 23, 15)  # before the 02:00 -> 02:30 jump
    first = next_occurrence_after(anchor, "HOURLY", LORD_HOWE, utc(2026, 10, 3, 14))
    later = next_occurrence_after(anchor, "HOURLY", LORD_HOWE, utc(2026, 10, 3, 16))
    assert first is not None and first.minute == 15
    assert later is not None and later.minute == 45
    assert (to_instant(later, LORD_HOWE) - to_instant(anchor, LORD_HOWE)) % timedelta(hours=1) == (
        timedelta(0)
    )


def test_advance_in_zone_versus_utc_across_dst() -> None:
    start = to_instant(datetime(2026, 3, 7, 9, 0), NY)
    assert wall_at(advance(start, "DAILY", NY), NY) == datetime(2026, 3, 8, 9, 0)
    assert wall_at(advance(start, "DAILY", NY, in_utc=True), NY) == datetime(2026, 3, 8, 10, 0)
    assert advance(start, "HOURLY", NY) == start + timedelta(hours=1)
    with pytest.raises(ValueError, match="does not recur"):
        advance(start, "ONCE", NY)


def test_zone_chain_lands_a_gap_day_earlier_like_calendar_add() -> None:
    # Calendar.add(DAY_OF_MONTH) keeps the old offset and corrects by the change:
    # 02:30 EST + 1 day is 01:30 EST on the day of the spring gap, then 01:30 EDT.
    wall = add_period(datetime(2026, 3, 7, 2, 30), "DAILY", NY)
    assert to_instant(wall, NY) == utc(2026, 3, 8, 6, 30)
    assert add_period(wall, "DAILY", NY) == datetime(2026, 3, 9, 1, 30)
    # months are set field by field: the gap time moves later, as the parser does
    assert add_period(datetime(2026, 2, 8, 2, 30), "MONTHLY", NY) == datetime(2026, 3, 8, 3, 30)


def test_add_period_in_a_fold_reads_back_the_second_pass() -> None:
    second = wall_at(utc(2026, 11, 1, 6, 30), NY)  # 01:30 EST
    assert second.fold == 1
    assert add_period(second, "HOURLY", NY) == datetime(2026, 11, 1, 2, 30)
    # a zone-stepping server writes 01:30 back as a wall time and reads the later instant
    before_fold = datetime(2026, 11, 1, 0, 30)
    assert add_period(before_fold, "HOURLY", NY) == second
    assert add_period(second, "HOURLY", NY, in_utc=True) == datetime(2026, 11, 1, 2, 30)


def test_add_period_from_the_first_pass_of_a_fold() -> None:
    first = datetime(2026, 11, 1, 1, 30)  # fold=0: 01:30 EDT, 05:30Z
    # a UTC-stepping server adds real time: the hour after the first pass is the second
    second = add_period(first, "HOURLY", NY, in_utc=True)
    assert (second, second.fold) == (datetime(2026, 11, 1, 1, 30), 1)
    assert add_period(second, "HOURLY", NY, in_utc=True) == datetime(2026, 11, 1, 2, 30)


def test_add_period_in_utc_keeps_the_utc_time_across_dst() -> None:
    assert add_period(datetime(2026, 3, 7, 9, 0), "DAILY", NY) == datetime(2026, 3, 8, 9, 0)
    assert add_period(datetime(2026, 3, 7, 9, 0), "DAILY", NY, in_utc=True) == datetime(
        2026, 3, 8, 10, 0
    )
    with pytest.raises(ValueError, match=r"^a ONCE schedule does not recur$"):
        add_period(datetime(2026, 3, 7, 9, 0), "ONCE", NY)
