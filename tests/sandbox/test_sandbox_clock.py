"""The sandbox clock and firing: zone vs UTC periods, month-end clamping, ONCE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sandbox_helpers import future, ms, schedule_body

from reconciler.sandbox import Sandbox
from reconciler.sandbox.clockwork import add_period

NEW_YORK = ZoneInfo("America/New_York")


def advance_to(sandbox: Sandbox, instant: datetime) -> None:
    sandbox.advance_clock((instant - sandbox.now()).total_seconds())


@pytest.mark.parametrize(
    ("schedule_type", "start", "expected"),
    [
        ("MONTHLY", datetime(2031, 1, 31, 10), datetime(2031, 2, 28, 10)),
        ("MONTHLY", datetime(2031, 2, 28, 10), datetime(2031, 3, 28, 10)),
        ("YEARLY", datetime(2032, 2, 29, 10), datetime(2033, 2, 28, 10)),
        ("WEEKLY", datetime(2031, 3, 5, 9), datetime(2031, 3, 12, 9)),
        ("BIWEEKLY", datetime(2031, 3, 1, 9), datetime(2031, 3, 15, 9)),
        # Across the spring-forward of 2031-03-09: 09:00 local stays 09:00 local.
        ("DAILY", datetime(2031, 3, 8, 9), datetime(2031, 3, 9, 9)),
    ],
)
def test_periods_are_calendar_periods_in_the_zone(
    schedule_type: str, start: datetime, expected: datetime
) -> None:
    instant = start.replace(tzinfo=NEW_YORK).astimezone(UTC)
    after = add_period(instant, schedule_type, NEW_YORK)
    assert after.astimezone(NEW_YORK).replace(tzinfo=None) == expected


def test_hourly_is_an_exact_hour_even_across_a_dst_change() -> None:
    instant = datetime(2031, 3, 9, 1, 30, tzinfo=NEW_YORK).astimezone(UTC)
    assert add_period(instant, "HOURLY", NEW_YORK) - instant == timedelta(hours=1)


def test_daily_in_utc_keeps_24_hours_across_a_dst_change() -> None:
    instant = datetime(2031, 3, 8, 9, tzinfo=NEW_YORK).astimezone(UTC)
    assert add_period(instant, "DAILY", UTC) - instant == timedelta(hours=24)
    assert add_period(instant, "DAILY", NEW_YORK) - instant == timedelta(hours=23)


def test_daily_fire_across_dst_in_zone_and_in_utc(api: httpx.Client, sandbox: Sandbox) -> None:
    body = schedule_body(
        scheduleType="DAILY", nextInterval="2031-03-08T09:00:00.000", timezone="America/New_York"
    )
    in_zone = api.post("/schedule_executions", json=body).json()
    advance_to(sandbox, datetime(2031, 3, 8, 15, tzinfo=UTC))
    fired = api.get(f"/schedule_executions/{in_zone['id']}").json()
    assert fired["nextInterval"] == ms(datetime(2031, 3, 9, 9, tzinfo=NEW_YORK))  # 13:00Z
    assert sandbox.fires(in_zone["id"]) == 1

    sandbox.configure(advance_in_utc=True)
    body_utc = {**body, "name": "utc", "nextInterval": "2031-03-08T12:00:00.000"}  # 17:00Z
    in_utc = api.post("/schedule_executions", json=body_utc).json()
    advance_to(sandbox, datetime(2031, 3, 8, 18, tzinfo=UTC))
    fired_utc = api.get(f"/schedule_executions/{in_utc['id']}").json()
    # 12:00 EST + 24 h = 13:00 EDT on the 9th (17:00Z), not 12:00 local.
    assert fired_utc["nextInterval"] == ms(datetime(2031, 3, 9, 17, tzinfo=UTC))
    assert sandbox.fires(in_zone["id"]) == 1


def test_monthly_clamps_progressively(api: httpx.Client, sandbox: Sandbox) -> None:
    body = schedule_body(
        scheduleType="MONTHLY", nextInterval="2031-01-31T10:00:00.000", timezone="UTC"
    )
    created = api.post("/schedule_executions", json=body).json()
    advance_to(sandbox, datetime(2031, 2, 1, tzinfo=UTC))
    assert sandbox.schedules()[0]["nextIntervalUTC"] == "2031-02-28T10:00:00Z"
    advance_to(sandbox, datetime(2031, 3, 1, tzinfo=UTC))
    assert sandbox.schedules()[0]["nextIntervalUTC"] == "2031-03-28T10:00:00Z"
    assert sandbox.fires(created["id"]) == 2


def test_a_recurring_schedule_fires_as_often_as_it_would_have(sandbox: Sandbox) -> None:
    created = sandbox.add_schedule_outside(
        schedule_body(
            scheduleType="HOURLY", nextInterval=future(sandbox, minutes=30), timezone="UTC"
        )
    )
    first = created["nextInterval"]
    assert sandbox.advance_clock(5 * 3600) == 5
    assert sandbox.fires(created["id"]) == 5
    [now] = sandbox.schedules()
    assert now["nextInterval"] == first + 5 * 3600 * 1000
    assert now["status"] == "ACTIVE"


def test_once_fires_once_and_becomes_inactive(api: httpx.Client, sandbox: Sandbox) -> None:
    body = schedule_body(
        scheduleType="ONCE", nextInterval=future(sandbox, minutes=10), timezone="UTC"
    )
    created = api.post("/schedule_executions", json=body).json()
    sandbox.advance_clock(60)
    assert api.get(f"/schedule_executions/{created['id']}").json()["status"] == "ACTIVE"
    sandbox.advance_clock(3600)
    fired = api.get(f"/schedule_executions/{created['id']}").json()
    assert fired["status"] == "IN_ACTIVE"
    assert fired["nextInterval"] == created["nextInterval"]
    sandbox.advance_clock(86400)
    assert sandbox.fires(created["id"]) == 1


def test_inactive_schedules_do_not_fire(sandbox: Sandbox) -> None:
    body = schedule_body(
        status="IN_ACTIVE", nextInterval=future(sandbox, minutes=1), timezone="UTC"
    )
    created = sandbox.add_schedule_outside(body)
    sandbox.advance_clock(7 * 86400)
    assert sandbox.fires(created["id"]) == 0
    assert sandbox.schedules()[0]["nextInterval"] == created["nextInterval"]


def test_clock_over_http(control: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.add_schedule_outside(
        schedule_body(scheduleType="DAILY", nextInterval=future(sandbox, hours=1), timezone="UTC")
    )
    before = control.get("/clock").json()["nowEpochMs"]
    advanced = control.post("/clock", json={"advance_seconds": 3 * 86400}).json()
    assert advanced["nowEpochMs"] - before >= 3 * 86400 * 1000
    assert advanced["fired"] == 3
    assert control.post("/clock", json={"advance_seconds": -1}).status_code == 400
    assert control.post("/clock", json={"advance_seconds": "soon"}).status_code == 400
