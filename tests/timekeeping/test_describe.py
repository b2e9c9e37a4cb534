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
