"""The plain-words line plans show for a schedule's timing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.timekeeping import describe, resolve_zone

IST = resolve_zone("Asia/Kolkata")
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule_type", "text"),
    [
        ("DAILY", "DAILY at 17:30 Asia/Kolkata (12:00 UTC), next 2026-12-01 17:30 IST"),
        ("WEEKLY", "WEEKLY on Tuesdays at 17:30 Asia/Kolkata (12:00 UTC), next 2026-12-01"),
        ("BIWEEKLY", "BIWEEKLY every other Tuesday (from 2026-12-01) at 17:30"),
        ("MONTHLY", "MONTHLY on the 1st at 17:30 Asia/Kolkata (12:00 UTC)"),
        ("YEARLY", "YEARLY on 1 December at 17:30"),
        ("HOURLY", "HOURLY at :30 past each hour (Asia/Kolkata), next 2026-12-01 17:30 IST"),
    ],
)
def test_recurring(schedule_type: str, text: str) -> None:
    assert describe(datetime(2026, 12, 1, 17, 30), schedule_type, IST, NOW).startswith(text)


def test_once_future_and_past() -> None:
    anchor = datetime(2026, 12, 24, 9, 0)
    assert describe(anchor, "ONCE", IST, NOW) == "ONCE at 2026-12-24 09:00 Asia/Kolkata (03:30 UTC)"
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert describe(anchor, "ONCE", IST, later).endswith("(03:30 UTC), already fired")


def test_month_end_and_short_id_and_dst_abbreviation() -> None:
    pst = resolve_zone("PST")
    text = describe(datetime(2026, 1, 31, 9, 0), "MONTHLY", pst, NOW)
    assert text == (
        "MONTHLY on the 31st (or the month's last day when shorter) at 09:00 "
        "PST (America/Los_Angeles, 16:00 UTC), next 2026-06-30 09:00 PDT"
    )


def test_each_part_of_the_zone_is_said_once() -> None:
    anchor = datetime(2026, 12, 1, 1, 0)
    ist = describe(anchor, "DAILY", resolve_zone("IST"), NOW)
    assert ist.startswith("DAILY at 01:00 IST (Asia/Kolkata, 19:30 UTC), next")
    utc = describe(anchor, "DAILY", resolve_zone("UTC"), NOW)
    assert utc.startswith("DAILY at 01:00 UTC, next") and "UTC (" not in utc
    hourly = describe(anchor, "HOURLY", resolve_zone("IST"), NOW)
    assert hourly.startswith("HOURLY at :00 past each hour (IST, Asia/Kolkata), next")


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (1, "on the 1st at"),
        (2, "on the 2nd at"),
        (3, "on the 3rd at"),
        (4, "on the 4th at"),
        (11, "on the 11th at"),
        (12, "on the 12th at"),
        (13, "on the 13th at"),
        (21, "on the 21st at"),
        (22, "on the 22nd at"),
        (23, "on the 23rd at"),
        (28, "on the 28th at"),
        (29, "on the 29th (or the month's last day when shorter) at"),
    ],
)
def test_monthly_names_the_day_as_an_ordinal(day: int, words: str) -> None:
    text = describe(datetime(2026, 12, day, 9, 0), "MONTHLY", IST, NOW)
    assert text.startswith(f"MONTHLY {words} 09:00 ")


@pytest.mark.parametrize(
    ("anchor", "words"),
    [
        (datetime(2028, 2, 29, 9, 0), "on 29 February (Feb 28 in other years) at 09:00"),
        (datetime(2028, 2, 28, 9, 0), "on 28 February at 09:00"),
        (datetime(2028, 3, 29, 9, 0), "on 29 March at 09:00"),
    ],
)
def test_yearly_on_a_leap_day_says_what_happens_in_other_years(
    anchor: datetime, words: str
) -> None:
    assert describe(anchor, "YEARLY", IST, NOW).startswith(f"YEARLY {words} Asia/Kolkata")
