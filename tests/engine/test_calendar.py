"""`reconciler calendar` over fixed clocks: which runs fire when, asserted on the JSON form.

Every test writes YAML, runs the real command with RECONCILER_NOW pinned and
`--format json`, and reads the document other tools consume.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from helpers import Cli, schedule, write_schedules

from reconciler.engine.calendar import Entry, crowded_collisions, expand, same_plan_collisions


def calendar_json(
    tmp_path: Path,
    *entries: dict[str, object],
    args: tuple[str, ...],
    now: str,
    zone: str = "America/New_York",
) -> dict[str, Any]:
    write_schedules(tmp_path / "schedules" / "s.yaml", *entries, defaults={"timezone": zone})
    cli = Cli({"RECONCILER_NOW": now, "NO_COLOR": "1"}, cwd=tmp_path)
    result = cli("calendar", "schedules", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    assert document["format_version"] == "1" and document["kind"] == "calendar"
    return document


def locals_of(document: dict[str, Any], name: str) -> list[str]:
    return [f["ownLocal"] for f in document["firings"] if f["name"] == name]


def ats_of(document: dict[str, Any], name: str) -> list[str]:
    return [f["at"] for f in document["firings"] if f["name"] == name]


def test_daily_across_the_spring_gap_fires_when_the_server_will(tmp_path: Path) -> None:
    document = calendar_json(
        tmp_path,
        schedule("nightly", nextInterval="2027-01-04T02:30:00"),
        args=("--from", "2027-03-12", "--days", "4", "--zone", "America/New_York"),
        now="2027-03-01T00:00:00Z",
    )
    # 2027-03-14 02:30 does not exist in New York; the server's parser moves it to 03:30 EDT
    assert locals_of(document, "nightly") == [
        "2027-03-12T02:30:00-05:00",
        "2027-03-13T02:30:00-05:00",
        "2027-03-14T03:30:00-04:00",
        "2027-03-15T02:30:00-04:00",
    ]
    assert ats_of(document, "nightly")[2] == "2027-03-14T07:30:00Z"
    assert document["firings"][0]["zone"] == "America/New_York"
    assert document["firings"][0]["local"] == "2027-03-12T02:30:00-05:00"


def test_daily_across_the_autumn_fold_fires_once_a_day(tmp_path: Path) -> None:
    document = calendar_json(
        tmp_path,
        schedule("nightly", nextInterval="2027-01-04T02:30:00"),
        schedule("early", executionId=3858, nextInterval="2027-01-04T01:30:00"),
        args=("--from", "2027-11-05", "--days", "4", "--zone", "UTC"),
        now="2027-11-01T00:00:00Z",
    )
    assert locals_of(document, "nightly") == [
        "2027-11-05T02:30:00-04:00",
        "2027-11-06T02:30:00-04:00",
        "2027-11-07T02:30:00-05:00",
        "2027-11-08T02:30:00-05:00",
    ]
    # 01:30 happens twice on 2027-11-07: it fires once, at the later (standard) instant
    early = ats_of(document, "early")
    assert early == [
        "2027-11-05T05:30:00Z",
        "2027-11-06T05:30:00Z",
        "2027-11-07T06:30:00Z",
        "2027-11-08T06:30:00Z",
    ]
    assert document["firings"][0]["local"].endswith("+00:00")  # shown in --zone UTC


def test_monthly_on_the_31st_clamps_to_short_months(tmp_path: Path) -> None:
    document = calendar_json(
        tmp_path,
        schedule("month-end", scheduleType="MONTHLY", nextInterval="2027-01-31T09:00:00"),
        args=("--from", "2027-01-01", "--days", "200", "--zone", "Asia/Kolkata"),
        now="2026-12-01T00:00:00Z",
        zone="Asia/Kolkata",
    )
    assert [x[:10] for x in locals_of(document, "month-end")] == [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
        "2027-04-30",
        "2027-05-31",
        "2027-06-30",
    ]


def test_hourly_across_midnight(tmp_path: Path) -> None:
    document = calendar_json(
        tmp_path,
        schedule("api", scheduleType="HOURLY", nextInterval="2027-01-01T00:15:00"),
        args=("--from", "2027-05-10T22:00", "--days", "1", "--zone", "IST"),
        now="2027-05-01T00:00:00Z",
        zone="Asia/Kolkata",
    )
    found = locals_of(document, "api")
    assert len(found) == 24
    assert found[:4] == [
        "2027-05-10T22:15:00+05:30",
        "2027-05-10T23:15:00+05:30",
        "2027-05-11T00:15:00+05:30",
        "2027-05-11T01:15:00+05:30",
    ]
    assert document["zone"] == "IST"


def test_passed_once_and_inactive_schedules_do_not_appear(tmp_path: Path) -> None:
    document = calendar_json(
        tmp_path,
        schedule("passed", scheduleType="ONCE", nextInterval="2027-01-05T09:00:00"),
        schedule("coming", scheduleType="ONCE", nextInterval="2027-01-12T09:00:00"),
        schedule("paused", executionId=3858, status="IN_ACTIVE"),
        schedule("old-anchor", executionId=3859, nextInterval="2020-02-02T08:00:00"),
        args=("--from", "2027-01-01", "--days", "14", "--zone", "UTC"),
        now="2027-01-10T00:00:00Z",
        zone="UTC",
    )
    names = {f["name"] for f in document["firings"]}
    assert names == {"coming", "old-anchor"}
    assert ats_of(document, "coming") == ["2027-01-12T09:00:00Z"]
    # a passed anchor rolls forward: every day of the window at 08:00
    assert len(ats_of(document, "old-anchor")) == 14


def test_same_test_plan_within_three_minutes_is_a_collision(tmp_path: Path) -> None:
    document = calendar_json(
        tmp_path,
        schedule("a", nextInterval="2027-01-04T02:00:00"),
        schedule("b", nextInterval="2027-01-04T02:03:00"),
        schedule("c", nextInterval="2027-01-04T02:07:00"),  # 4 minutes after b: fine
        schedule("other-plan", executionId=9, nextInterval="2027-01-04T02:01:00"),
        args=("--from", "2027-02-01", "--days", "2", "--zone", "UTC"),
        now="2027-01-10T00:00:00Z",
        zone="UTC",
    )
    (clash,) = document["collisions"]
    assert clash["kind"] == "same-test-plan"
    assert clash["names"] == ["a", "b"] and clash["executionId"] == 3857
    assert clash["times"] == ["2027-02-01T02:00:00Z", "2027-02-02T02:00:00Z"]
    assert "within 3 minutes" in clash["message"]


def test_more_than_max_concurrent_in_fifteen_minutes_is_a_collision(tmp_path: Path) -> None:
    entries = [
        schedule(f"s{n}", executionId=100 + n, nextInterval=f"2027-01-04T06:{2 * n:02d}:00")
        for n in range(6)
    ]  # six runs from 06:00 to 06:10
    crowded = calendar_json(
        tmp_path,
        *entries,
        args=("--from", "2027-02-01", "--days", "1", "--zone", "UTC"),
        now="2027-01-10T00:00:00Z",
        zone="UTC",
    )
    (clash,) = crowded["collisions"]
    assert clash["kind"] == "crowded" and clash["largest"] == 6 and clash["limit"] == 5
    assert clash["names"] == [f"s{n}" for n in range(6)]
    relaxed = calendar_json(
        tmp_path,
        *entries,
        args=("--from", "2027-02-01", "--days", "1", "--zone", "UTC", "--max-concurrent", "6"),
        now="2027-01-10T00:00:00Z",
        zone="UTC",
    )
    assert relaxed["collisions"] == []


def test_windows_are_measured_from_each_run() -> None:
    start = datetime(2027, 2, 1, tzinfo=UTC)

    def entry(name: str, clock: str, plan: int) -> Entry:
        return Entry(
            name,
            {
                "name": name,
                "executionId": plan,
                "scheduleType": "DAILY",
                "nextInterval": f"2027-01-04T{clock}.000",
                "timezone": "UTC",
                "status": "ACTIVE",
            },
        )

    # 14 minutes apart is one window, 15 is not
    cal = expand(
        [entry("x", "06:00:00", 1), entry("y", "06:14:00", 2), entry("z", "06:15:00", 3)],
        start=start,
        end=start + timedelta(days=1),
        now=start,
        max_concurrent=1,
    )
    assert [c.names for c in crowded_collisions(cal.firings, 1)] == [("x", "y")]
    # exactly 3 minutes apart on one test plan still collides; 3 minutes 1 second does not
    same = expand(
        [entry("p", "06:00:00", 7), entry("q", "06:03:00", 7), entry("r", "06:06:01", 7)],
        start=start,
        end=start + timedelta(days=1),
        now=start,
    )
    assert [c.names for c in same_plan_collisions(same.firings)] == [("p", "q")]


def test_plan_warnings_name_each_pair_once_and_at_most_ten_per_test_plan(tmp_path: Path) -> None:
    from reconciler.app.sources import read_sources
    from reconciler.engine.calendar import collision_warnings
    from reconciler.spec import load_desired

    crowded = [schedule(f"s{n:02d}", nextInterval=f"2027-01-04T06:{n:02d}:00") for n in range(15)]
    apart = [
        schedule(f"far{n}", executionId=9, nextInterval=f"2027-01-04T0{n}:00:00") for n in (1, 2)
    ]
    write_schedules(tmp_path / "a.yaml", *crowded, *apart, defaults={"timezone": "UTC"})
    desired = load_desired(read_sources([tmp_path / "a.yaml"]))
    warnings = collision_warnings(desired, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert len(warnings) == 11  # 39 pairs are within 3 minutes: 10 named, 29 counted
    assert all(w.severity == "warning" for w in warnings)
    assert "'s00' and 's01' both run test plan 3857" in warnings[0].message
    assert warnings[-1].message.startswith("and 29 more pairs of schedules of test plan 3857")
    assert not any("far" in w.message for w in warnings)
    assert str(warnings[0].location).startswith(str(tmp_path / "a.yaml"))
