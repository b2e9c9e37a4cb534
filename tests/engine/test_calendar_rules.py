"""The calendar's rules without the CLI: malformed and inactive schedules, test plans known
only by name, the busiest hour, and the wording and horizon of `plan`'s collision warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler import timekeeping as tk
from reconciler.core.errors import Location
from reconciler.core.model import DesiredSchedule, DesiredSet
from reconciler.engine.calendar import (
    Entry,
    Firing,
    busiest_hour,
    collision_warnings,
    crowded_collisions,
    expand,
    firings_of,
    same_plan_collisions,
)

NOW = datetime(2027, 2, 1, tzinfo=UTC)


def payload(name: str, clock: str = "06:00:00", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": f"2027-01-04T{clock}.000",
        "timezone": "UTC",
        "status": "ACTIVE",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def declared(*schedules: tuple[dict[str, Any], str | None]) -> DesiredSet:
    return DesiredSet(
        schedules=tuple(
            DesiredSchedule(p["name"], p, Location("s.yaml", line, 3), test_plan=plan)
            for line, (p, plan) in enumerate(schedules, start=1)
        )
    )


def day(*entries: Entry) -> list[Firing]:
    return list(expand(entries, start=NOW, end=NOW + timedelta(days=1), now=NOW).firings)


def test_a_malformed_schedule_has_no_firings_rather_than_a_guess() -> None:
    for broken in (
        payload("a", timezone=None),
        payload("a", timezone="Not/AZone"),
        payload("a", nextInterval=None),
        payload("a", scheduleType="FORTNIGHTLY"),
    ):
        assert firings_of(Entry("a", broken), start=NOW, end=NOW + timedelta(days=2), now=NOW) == []
    assert len(day(Entry("a", payload("a")))) == 1


def test_a_firing_shows_its_own_wall_clock_and_ignores_a_non_integer_test_plan_id() -> None:
    (firing,) = day(Entry("a", payload("a", timezone="Asia/Kolkata", executionId="3857")))
    assert firing.at == datetime(2027, 2, 1, 0, 30, tzinfo=UTC)
    assert firing.local.isoformat() == "2027-02-01T06:00:00+05:30"
    assert firing.zone == tk.resolve_zone("Asia/Kolkata")
    assert firing.execution_id is None


def test_schedules_known_only_by_test_plan_name_collide_by_that_name() -> None:
    firings = day(
        Entry("a", payload("a", executionId=None), "Nightly"),
        Entry("b", payload("b", "06:02:00", executionId=None), "Nightly"),
        Entry("c", payload("c", "06:01:00", executionId=None), "Other"),
    )
    (clash,) = same_plan_collisions(firings)
    assert clash.names == ("a", "b")
    assert clash.test_plan == "Nightly" and clash.execution_id is None
    # without a test plan name the schedule is its own test plan
    alone = day(
        Entry("a", payload("a", executionId=None)), Entry("b", payload("b", executionId=None))
    )
    assert same_plan_collisions(alone) == []


def test_one_schedule_never_collides_with_itself() -> None:
    zone = tk.resolve_zone("UTC")
    twice = [Firing("a", 1, None, NOW + timedelta(minutes=m), zone, "HOURLY") for m in (0, 2)]
    assert same_plan_collisions(twice) == []
    other = Firing("b", 1, None, NOW + timedelta(minutes=1), zone, "DAILY")
    assert [c.names for c in same_plan_collisions([*twice, other])] == [("a", "b"), ("b", "a")]


def test_the_busiest_hour_is_the_earliest_of_the_fullest_utc_hours() -> None:
    assert busiest_hour([]) is None
    firings = day(
        Entry("a", payload("a", "03:10:00")),
        Entry("b", payload("b", "05:59:59", executionId=2)),
        Entry("c", payload("c", "05:00:00", executionId=3)),
        Entry("d", payload("d", "03:50:00", executionId=4)),
        Entry("e", payload("e", "09:00:00", executionId=5)),
    )
    assert busiest_hour(firings) == (datetime(2027, 2, 1, 3, tzinfo=UTC), 2)
    assert busiest_hour(firings[-1:]) == (datetime(2027, 2, 1, 9, tzinfo=UTC), 1)


def test_a_warning_names_the_test_plan_the_second_schedule_and_how_often() -> None:
    warnings = collision_warnings(
        declared(
            (payload("a", executionId=None), "Nightly"),
            (payload("b", "06:03:00", executionId=None), "Nightly"),
        ),
        now=NOW,
    )
    (warning,) = warnings
    assert warning.severity == "warning"
    assert warning.location == Location("s.yaml", 2, 3)
    assert warning.message.startswith(
        "schedules 'a' and 'b' both run test plan 'Nightly' within 3 minutes of each other "
        "(first at 2027-02-01 06:00 UTC, 366 times in the next 366 days): "
    )
    assert "so 'b' would be left behind and never fire again" in warning.message
    both = collision_warnings(
        declared((payload("a"), "Nightly"), (payload("b", "06:01:00"), "Nightly")), now=NOW
    )
    assert "both run test plan 'Nightly' (3857) within" in both[0].message


def test_a_once_collision_is_named_once_without_a_repeat_count() -> None:
    once = {"scheduleType": "ONCE", "nextInterval": "2027-03-01T06:00:00.000"}
    (warning,) = collision_warnings(
        declared((payload("a", **once), None), (payload("b", **once), None)), now=NOW
    )
    assert "test plan 3857 within 3 minutes of each other (first at 2027-03-01 06:00 UTC):" in (
        warning.message
    )


def test_inactive_and_lone_schedules_raise_no_warning() -> None:
    assert collision_warnings(declared((payload("a"), None)), now=NOW) == ()
    paused = declared((payload("a"), None), (payload("b", status="INACTIVE"), None))
    assert collision_warnings(paused, now=NOW) == ()
    elsewhere = declared((payload("a"), None), (payload("b", executionId=1), None))
    assert collision_warnings(elsewhere, now=NOW) == ()


def test_frequent_schedules_are_looked_at_over_a_shorter_span() -> None:
    hourly = {"scheduleType": "HOURLY"}
    (warning,) = collision_warnings(
        declared((payload("a", **hourly), None), (payload("b", "06:02:00", **hourly), None)),
        now=NOW,
    )
    # two HOURLY schedules: 48 runs a day, so 4000 runs last 83 days
    assert "(first at 2027-02-01 00:00 UTC, 1992 times in the next 83 days)" in warning.message


def test_crowded_windows_count_their_runs_and_come_oldest_first() -> None:
    zone = tk.resolve_zone("UTC")

    def at(name: str, minutes: int) -> Firing:
        return Firing(name, None, None, NOW + timedelta(minutes=minutes), zone, "DAILY")

    # two crowds, the later one listed by name first; a lone run between them
    firings = [at("z1", 0), at("z2", 1), at("z3", 2), at("m", 30), at("a1", 60), at("a2", 61)]
    crowds = crowded_collisions(firings, 1)
    assert [(c.names, c.times, c.largest, c.limit) for c in crowds] == [
        (("z1", "z2", "z3"), (NOW,), 3, 1),
        (("a1", "a2"), (NOW + timedelta(hours=1),), 2, 1),
    ]
    # a window opens at every run, not at every other one
    assert [c.names for c in crowded_collisions([at("x", 0), at("y", 20), at("w", 21)], 1)] == [
        ("w", "y")
    ]


def test_a_window_given_in_another_zone_is_read_as_the_same_instants() -> None:
    kolkata = tk.resolve_zone("Asia/Kolkata").tzinfo
    start = NOW.astimezone(kolkata)
    cal = expand(
        [Entry("a", payload("a"))],
        start=start,
        end=start + timedelta(days=2),
        now=NOW,
        max_concurrent=3,
    )
    assert (cal.start, cal.end) == (NOW, NOW + timedelta(days=2))
    assert cal.start.tzinfo is UTC and cal.end.tzinfo is UTC
    assert cal.max_concurrent == 3 and len(cal.firings) == 2


def test_only_active_schedules_fire_and_a_run_at_the_end_is_outside_the_window() -> None:
    end = NOW + timedelta(days=1, hours=6)  # the second day's 06:00 is the end: excluded
    active = firings_of(Entry("a", payload("a")), start=NOW, end=end, now=NOW)
    assert [(f.at.day, f.schedule_type) for f in active] == [(1, "DAILY")]
    no_status = payload("a", status=None)
    assert len(firings_of(Entry("a", no_status), start=NOW, end=end, now=NOW)) == 1
    paused = payload("a", status="IN_ACTIVE")
    assert firings_of(Entry("a", paused), start=NOW, end=end, now=NOW) == []


def test_a_paused_or_lone_schedule_declared_first_does_not_hide_later_collisions() -> None:
    warned = collision_warnings(
        declared(
            (payload("p", status="IN_ACTIVE"), None),
            (payload("lone", executionId=1), None),
            (payload("a", executionId=2), None),
            (payload("b", executionId=2), None),
        ),
        now=NOW,
    )
    assert [w.message.split(" both")[0] for w in warned] == ["schedules 'a' and 'b'"]


def test_ten_pairs_are_all_named_and_an_eleventh_is_counted_at_its_place() -> None:
    def pairs(count: int) -> DesiredSet:
        entries = []
        for n in range(count):
            entries.append((payload(f"s{n:02d}a", f"{6 + n // 6:02d}:{n % 6 * 10:02d}:00"), None))
            entries.append(
                (payload(f"s{n:02d}b", f"{6 + n // 6:02d}:{n % 6 * 10 + 1:02d}:00"), None)
            )
        return declared(*entries)

    ten = collision_warnings(pairs(10), now=NOW)
    assert len(ten) == 10 and not any(w.message.startswith("and ") for w in ten)
    eleven = collision_warnings(pairs(11), now=NOW)
    assert len(eleven) == 11
    assert eleven[-1].message.startswith("and 1 more pairs of schedules of test plan 3857")
    assert eleven[-1].location == Location("s.yaml", 22, 3)  # where s10b is declared
