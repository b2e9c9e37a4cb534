"""Live `nextInterval` values: server progress is in sync, edits are drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reconciler.timekeeping import (
    add_period,
    advance,
    epoch_ms,
    instant_ms,
    is_in_sync,
    resolve_zone,
    to_instant,
    wall_at,
)

NY = resolve_zone("America/New_York")
IST = resolve_zone("Asia/Kolkata")
SYDNEY = resolve_zone("Australia/Sydney")


def live(wall: datetime, zone_name: str = "Asia/Kolkata") -> int:
    return instant_ms(wall, resolve_zone(zone_name))


def test_once_is_in_sync_only_at_the_anchor() -> None:
    anchor = datetime(2026, 12, 24, 9, 0)
    assert is_in_sync(live(anchor), anchor, "ONCE", IST)
    assert not is_in_sync(live(anchor) + 1, anchor, "ONCE", IST)
    assert not is_in_sync(live(anchor + timedelta(days=1)), anchor, "ONCE", IST)


def test_later_occurrences_are_in_sync_other_times_are_not() -> None:
    anchor = datetime(2026, 1, 5, 17, 30)  # a Monday
    assert is_in_sync(live(anchor), anchor, "DAILY", IST)
    assert is_in_sync(live(datetime(2029, 6, 17, 17, 30)), anchor, "DAILY", IST)
    assert not is_in_sync(live(datetime(2029, 6, 17, 18, 30)), anchor, "DAILY", IST)
    assert is_in_sync(live(datetime(2026, 3, 2, 17, 30)), anchor, "WEEKLY", IST)
    assert not is_in_sync(live(datetime(2026, 3, 3, 17, 30)), anchor, "WEEKLY", IST)
    assert is_in_sync(live(datetime(2026, 1, 19, 17, 30)), anchor, "BIWEEKLY", IST)
    assert not is_in_sync(live(datetime(2026, 1, 12, 17, 30)), anchor, "BIWEEKLY", IST)
    assert is_in_sync(live(datetime(2026, 1, 5, 21, 30)), anchor, "HOURLY", IST)
    assert not is_in_sync(live(datetime(2026, 1, 5, 21, 45)), anchor, "HOURLY", IST)


def test_a_value_before_the_anchor_is_drift() -> None:
    anchor = datetime(2026, 1, 5, 17, 30)
    assert not is_in_sync(live(datetime(2026, 1, 4, 17, 30)), anchor, "DAILY", IST)


def test_monthly_progressive_clamp_is_in_sync() -> None:
    anchor = datetime(2026, 1, 31, 9, 0)
    for day in ("2026-02-28", "2026-03-28", "2026-03-31", "2026-04-30", "2026-05-28"):
        wall = datetime.fromisoformat(day).replace(hour=9)
        assert is_in_sync(live(wall), anchor, "MONTHLY", IST), day
    assert not is_in_sync(live(datetime(2026, 3, 27, 9)), anchor, "MONTHLY", IST)
    assert not is_in_sync(live(datetime(2026, 3, 30, 9)), anchor, "MONTHLY", IST)


def test_monthly_progressive_clamp_on_the_wall_clock_across_dst() -> None:
    # zone arithmetic: Jan 31 09:00 EST -> Feb 28 09:00 EST -> Mar 28 09:00 EDT;
    # no UTC chain gives 09:00 EDT (13:00 UTC) on the 28th.
    anchor = datetime(2026, 1, 31, 9, 0)
    march = live(datetime(2026, 3, 28, 9, 0), "America/New_York")
    assert is_in_sync(march, anchor, "MONTHLY", NY)
    assert not is_in_sync(march + 3_600_000 * 2, anchor, "MONTHLY", NY)


def test_monthly_on_the_first_clamped_on_the_utc_calendar() -> None:
    # 02:00 IST on the 1st is 20:30 UTC on the last day of the month before:
    # a server stepping months in UTC goes Jan 31 -> Feb 28 -> Mar 28 (UTC),
    # i.e. Mar 29 02:00 IST. That is the server's own progress, not drift.
    anchor = datetime(2026, 2, 1, 2, 0)
    assert is_in_sync(live(datetime(2026, 3, 29, 2, 0)), anchor, "MONTHLY", IST)
    assert not is_in_sync(live(datetime(2026, 3, 29, 2, 0)), anchor, "MONTHLY", NY)


def test_daily_stepped_in_utc_across_dst_is_in_sync() -> None:
    anchor = datetime(2026, 1, 5, 9, 0)  # 14:00 UTC
    summer_by_utc = epoch_ms(datetime(2026, 7, 6, 14, 0, tzinfo=UTC))  # 10:00 EDT
    assert is_in_sync(summer_by_utc, anchor, "DAILY", NY)
    assert is_in_sync(live(datetime(2026, 7, 6, 9, 0), "America/New_York"), anchor, "DAILY", NY)
    assert not is_in_sync(
        live(datetime(2026, 7, 6, 11, 0), "America/New_York"), anchor, "DAILY", NY
    )


def test_a_gap_shift_kept_by_the_server_is_in_sync() -> None:
    # 02:30 sent for the day of the gap is read as 03:30 by the server, and a
    # zone-stepping server keeps 03:30 from then on, through the autumn fold and beyond;
    # its Calendar.add of a day INTO the gap lands at 01:30 instead, and keeps that.
    anchor = datetime(2026, 3, 1, 2, 30)
    kept = live(datetime(2026, 12, 20, 3, 30), "America/New_York")
    assert is_in_sync(kept, anchor, "DAILY", NY)
    landed_earlier = live(datetime(2026, 12, 20, 1, 30), "America/New_York")
    assert is_in_sync(landed_earlier, anchor, "DAILY", NY)
    assert not is_in_sync(
        live(datetime(2026, 3, 5, 1, 30), "America/New_York"), anchor, "DAILY", NY
    )
    # ... but not for a zone (or a year range) where 02:30 never fell in a gap
    assert not is_in_sync(live(datetime(2026, 3, 20, 3, 30)), anchor, "DAILY", IST)
    before_gap = live(datetime(2026, 3, 5, 3, 30), "America/New_York")
    assert not is_in_sync(before_gap, anchor, "DAILY", NY)


def test_fold_either_instant_of_the_wall_time_is_in_sync() -> None:
    anchor = datetime(2026, 10, 1, 1, 30)
    earlier = epoch_ms(datetime(2026, 11, 1, 5, 30, tzinfo=UTC))
    later = epoch_ms(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    assert is_in_sync(earlier, anchor, "DAILY", NY)
    assert is_in_sync(later, anchor, "DAILY", NY)


def test_southern_hemisphere_yearly() -> None:
    anchor = datetime(2026, 1, 10, 8, 0)
    assert is_in_sync(live(datetime(2031, 1, 10, 8), "Australia/Sydney"), anchor, "YEARLY", SYDNEY)
    assert not is_in_sync(
        live(datetime(2031, 2, 10, 8), "Australia/Sydney"), anchor, "YEARLY", SYDNEY
    )


def test_hourly_counted_on_the_wall_clock_at_lord_howe_is_in_sync() -> None:
    # A server adding an hour to the local wall time keeps :15 past the local
    # hour across Lord Howe's 30-minute change, half an hour off the UTC grid.
    lord_howe = resolve_zone("Australia/Lord_Howe")
    anchor = datetime(2026, 10, 3, 23, 15)
    on_wall = live(datetime(2026, 10, 4, 5, 15), "Australia/Lord_Howe")
    assert (on_wall - live(anchor, "Australia/Lord_Howe")) % 3_600_000 == 1_800_000
    assert is_in_sync(on_wall, anchor, "HOURLY", lord_howe)
    assert not is_in_sync(on_wall + 5 * 60_000, anchor, "HOURLY", lord_howe)


def test_a_leap_day_stepped_in_utc_into_a_year_with_another_offset_is_in_sync() -> None:
    # Morocco leaves UTC+01:00 for Ramadan, which falls in February in 2025: a
    # UTC-stepping server moves Feb 29 2024 01:30 (+01:00) to Feb 28 2025 00:30Z,
    # 00:30 on the wall there. The clamp to the 28th holds from then on.
    casablanca = resolve_zone("Africa/Casablanca")
    anchor = datetime(2024, 2, 29, 1, 30)
    step = datetime(2025, 2, 28, 0, 30, tzinfo=UTC)
    assert wall_at(step, casablanca) == datetime(2025, 2, 28, 0, 30)
    assert advance(to_instant(anchor, casablanca), "YEARLY", casablanca, in_utc=True) == step
    assert is_in_sync(epoch_ms(step), anchor, "YEARLY", casablanca)
    assert not is_in_sync(epoch_ms(step + timedelta(days=1)), anchor, "YEARLY", casablanca)


def test_a_day_step_into_a_gap_is_in_sync_on_the_day_of_the_gap_itself() -> None:
    # Daily at 02:00 New York: a zone-stepping server's Calendar.add of a day from
    # 02:00 EST on Mar 10 lands at 01:00 EST on Mar 11, an hour BEFORE the change.
    anchor = datetime(2018, 2, 28, 2, 0)
    landed = advance(to_instant(datetime(2018, 3, 10, 2, 0), NY), "DAILY", NY)
    assert landed == datetime(2018, 3, 11, 6, 0, tzinfo=UTC)
    assert wall_at(landed, NY) == datetime(2018, 3, 11, 1, 0)
    assert is_in_sync(epoch_ms(landed), anchor, "DAILY", NY)
    # the day before the gap nothing lands at 01:00 or 03:00: that is an edit
    for hour in (1, 3):
        edited = live(datetime(2018, 3, 10, hour, 0), "America/New_York")
        assert not is_in_sync(edited, anchor, "DAILY", NY)


def test_hourly_at_lord_howe_through_its_fold_and_its_gap_is_in_sync() -> None:
    # A zone-stepping server moves :45 to the second pass of April's half-hour fold
    # (30 minutes later in real time), then October's half-hour gap moves the wall
    # clock to :15: neither the minute nor whole hours from the anchor match any more.
    lord_howe = resolve_zone("Australia/Lord_Howe")
    anchor = datetime(2026, 4, 3, 22, 45)
    value = to_instant(anchor, lord_howe)
    while value < datetime(2026, 10, 3, 16, 15, tzinfo=UTC):
        value = advance(value, "HOURLY", lord_howe)
    assert value == datetime(2026, 10, 3, 16, 15, tzinfo=UTC)
    assert wall_at(value, lord_howe) == datetime(2026, 10, 4, 3, 15)
    assert is_in_sync(epoch_ms(value), anchor, "HOURLY", lord_howe)
    assert not is_in_sync(epoch_ms(value + timedelta(minutes=15)), anchor, "HOURLY", lord_howe)


def test_hourly_at_chatham_half_an_hour_off_is_drift() -> None:
    # Chatham's offsets are +12:45 and +13:45: its changes keep whole hours.
    chatham = resolve_zone("Pacific/Chatham")
    anchor = datetime(2026, 1, 1, 10, 0)
    later = to_instant(anchor, chatham) + timedelta(days=365)
    assert is_in_sync(epoch_ms(later), anchor, "HOURLY", chatham)
    assert not is_in_sync(epoch_ms(later + timedelta(minutes=30)), anchor, "HOURLY", chatham)


def test_monthly_clamped_in_an_ordinary_february_stays_clamped_past_a_leap_one() -> None:
    # Jan 31 -> Feb 28 2027 -> Mar 28 ... -> Feb 28 2028 (a leap year: 29 days) -> Mar 28.
    anchor = datetime(2027, 1, 31, 10, 0)
    wall = anchor
    for _ in range(14):
        wall = add_period(wall, "MONTHLY", NY)
    assert wall == datetime(2028, 3, 28, 10, 0)
    assert is_in_sync(live(wall, "America/New_York"), anchor, "MONTHLY", NY)
    assert not is_in_sync(
        live(datetime(2028, 3, 27, 10, 0), "America/New_York"), anchor, "MONTHLY", NY
    )


def test_monthly_on_a_gap_day_keeps_the_shifted_time_and_months_count_from_the_anchor() -> None:
    # Monthly on the 8th at 02:30 New York: Mar 8 2026 skips 02:00-03:00, so a
    # zone-stepping server runs 03:30 that day and keeps 03:30 afterwards.
    anchor = datetime(2026, 2, 8, 2, 30)
    wall = anchor
    for _ in range(14):
        wall = add_period(wall, "MONTHLY", NY)
    assert wall == datetime(2027, 4, 8, 3, 30)
    assert is_in_sync(live(wall, "America/New_York"), anchor, "MONTHLY", NY)
    # another day of month, or the shifted time in a month before the gap, is an edit
    assert not is_in_sync(
        live(datetime(2027, 4, 9, 3, 30), "America/New_York"), anchor, "MONTHLY", NY
    )
    assert not is_in_sync(
        live(datetime(2026, 2, 8, 3, 30), "America/New_York"), anchor, "MONTHLY", NY
    )
    quarterly_day = datetime(2026, 2, 28, 2, 30)
    assert not is_in_sync(
        live(datetime(2026, 3, 29, 2, 30), "America/New_York"), quarterly_day, "MONTHLY", NY
    )
