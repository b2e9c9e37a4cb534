"""The answers never depend on the local zone of the machine running the reconciler.

CI runners and laptops are set to all sorts of zones; a conversion that fell back
on the machine's zone (`astimezone()` with no argument, a naive datetime taken
as local time) would shift every computed time by the machine's offset there
and nowhere else. These tests run with the process's zone set to UTC+05:30.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from reconciler.timekeeping import advance, describe, parse_next_interval, resolve_zone, wall_at

NY = resolve_zone("America/New_York")
IST = resolve_zone("Asia/Kolkata")


@pytest.fixture(autouse=True)
def machine_in_india() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "IST-5:30"  # POSIX: UTC+05:30, no zone files needed
    time.tzset()
    try:
        assert datetime.now().astimezone().utcoffset() == timedelta(hours=5, minutes=30)
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_plans_show_the_utc_time_not_the_machines() -> None:
    text = describe(datetime(2026, 12, 1, 17, 30), "DAILY", IST, datetime(2026, 6, 1, tzinfo=UTC))
    assert text.startswith("DAILY at 17:30 Asia/Kolkata (12:00 UTC), next 2026-12-01 17:30 IST")


def test_fold_warnings_give_the_instants_in_utc() -> None:
    (warning,) = parse_next_interval("2026-11-01T01:30:00", NY).warnings
    assert "first at 2026-11-01T05:30Z (UTC-04:00), again at 2026-11-01T06:30Z" in warning
    assert warning.endswith("uses the second, 2026-11-01T06:30Z")


def test_the_servers_step_is_computed_in_its_zone_or_utc_not_the_machines() -> None:
    start = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # 09:00 EST, the day before the spring gap
    assert advance(start, "DAILY", NY) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    assert advance(start, "DAILY", NY, in_utc=True) == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert wall_at(advance(start, "MONTHLY", NY, in_utc=True), NY) == datetime(2026, 4, 7, 10, 0)
