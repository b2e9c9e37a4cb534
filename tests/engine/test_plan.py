"""compute_plan: desired vs recorded gives create/update/noop/orphan/delete, deterministically."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.errors import InputError, Location
from reconciler.core.model import (
    ActionKind,
    Cause,
    DesiredSchedule,
    DesiredSet,
    RecordedSchedule,
)
from reconciler.engine.plan import body_to_send, compute_plan
from reconciler.testsigma.live import to_live

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def payload(name: str, **over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "timezone": "Asia/Kolkata",
        "status": "ACTIVE",
    }
    body.update(over)
    return body


def desired(*payloads: dict[str, object]) -> DesiredSet:
    return DesiredSet(
        schedules=tuple(
            DesiredSchedule(name=str(p["name"]), payload=p, location=Location("f.yaml", i + 1, 3))
            for i, p in enumerate(payloads)
        )
    )


def recorded(*items: tuple[int, dict[str, object]]) -> dict[str, RecordedSchedule]:
    return {
        str(p["name"]): RecordedSchedule(str(p["name"]), i, p, "2026-11-01T00:00:00+00:00")
        for i, p in items
    }


def kinds(plan_: object) -> list[tuple[str, str]]:
    return [(a.kind.value, a.name) for a in plan_.actions]  # type: ignore[attr-defined]


def test_empty_state_creates_everything_in_name_order() -> None:
    plan = compute_plan(desired(payload("b"), payload("a")), {}, now=NOW)
    assert kinds(plan) == [("create", "a"), ("create", "b")]
    assert plan.actions[0].after == payload("a")
    assert plan.has_changes


def test_recorded_equal_is_noop() -> None:
    plan = compute_plan(desired(payload("a")), recorded((7, payload("a"))), now=NOW)
    assert kinds(plan) == [("noop", "a")]
    assert not plan.has_changes


def test_edit_is_update_to_recorded_id_with_changes() -> None:
    plan = compute_plan(
        desired(payload("a", scheduleType="WEEKLY")), recorded((7, payload("a"))), now=NOW
    )
    (action,) = plan.actions
    assert action.kind is ActionKind.UPDATE and action.id == 7
    assert [(c.field, c.before, c.after) for c in action.changes] == [
        ("scheduleType", "DAILY", "WEEKLY")
    ]


def test_undeclared_is_orphan_unless_prune() -> None:
    rec = recorded((7, payload("a")), (8, payload("gone")))
    assert kinds(compute_plan(desired(payload("a")), rec, now=NOW)) == [
        ("noop", "a"),
        ("orphan", "gone"),
    ]
    pruned = compute_plan(desired(payload("a")), rec, now=NOW, prune=True)
    assert kinds(pruned) == [("noop", "a"), ("delete", "gone")]
    assert pruned.actions[1].id == 8


def test_target_limits_the_plan() -> None:
    plan = compute_plan(desired(payload("a"), payload("b")), {}, now=NOW, targets={"b"})
    assert kinds(plan) == [("create", "b")]


def test_unknown_target_is_an_error() -> None:
    with pytest.raises(InputError, match="no schedule named 'zzz'"):
        compute_plan(desired(payload("a")), {}, now=NOW, targets={"zzz"})


def test_once_in_the_past_cannot_be_created() -> None:
    p = payload("once", scheduleType="ONCE", nextInterval="2026-01-01T09:00:00.000")
    with pytest.raises(InputError) as info:
        compute_plan(desired(p), {}, now=NOW)
    assert "f.yaml:1" in str(info.value) and "has passed" in str(info.value)


def test_once_applied_and_passed_is_already_fired() -> None:
    p = payload("once", scheduleType="ONCE", nextInterval="2026-01-01T09:00:00.000")
    plan = compute_plan(desired(p), recorded((5, p)), now=NOW)
    assert kinds(plan) == [("noop", "once")]
    assert plan.actions[0].cause is Cause.ALREADY_FIRED


def test_past_anchor_is_rolled_forward_when_sent() -> None:
    p = payload("a", nextInterval="2026-01-01T17:30:00.000")
    body = body_to_send(p, now=NOW)
    assert body["nextInterval"] == "2026-11-29T17:30:00.000"
    assert {k: v for k, v in body.items() if k != "nextInterval"} == {
        k: v for k, v in p.items() if k != "nextInterval"
    }


def test_future_anchor_is_sent_as_declared() -> None:
    p = payload("a")
    assert body_to_send(p, now=NOW) == p


names = st.lists(st.text("abcdef-", min_size=1, max_size=6), unique=True, max_size=8)


@settings(max_examples=100, deadline=None)
@given(names=names, types=st.lists(st.sampled_from(["DAILY", "WEEKLY", "HOURLY"]), min_size=8))
def test_planning_what_was_just_applied_yields_no_actions(
    names: list[str], types: list[str]
) -> None:
    payloads = [payload(n, scheduleType=t) for n, t in zip(names, types, strict=False)]
    want = desired(*payloads)
    first = compute_plan(want, {}, now=NOW)
    applied = {
        a.name: RecordedSchedule(a.name, i + 1, dict(a.after or {}), "x")
        for i, a in enumerate(first.actions)
    }
    again = compute_plan(want, applied, now=NOW)
    assert not again.has_changes
    assert [a.kind for a in again.actions] == [ActionKind.NOOP] * len(names)
    assert compute_plan(want, applied, now=NOW) == again  # deterministic


ZONES = [
    "Asia/Kolkata",
    "America/New_York",
    "Australia/Lord_Howe",
    "Europe/London",
    "UTC",
    "America/Sao_Paulo",
    "EST",
]


@settings(max_examples=150, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    schedule_type=st.sampled_from(["HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "YEARLY"]),
    anchor=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    fires=st.integers(min_value=0, max_value=40),
    in_utc=st.booleans(),
)
def test_apply_then_plan_is_quiet_however_far_the_server_advances(
    zone_name: str, schedule_type: str, anchor: datetime, fires: int, in_utc: bool
) -> None:
    from hypothesis import assume

    from reconciler import timekeeping as tk
    from reconciler.core.model import Live

    zone = tk.resolve_zone(zone_name)
    anchor = anchor.replace(second=0, microsecond=0)
    try:
        tk.parse_next_interval(tk.format_api(anchor).replace(".000", ""), zone)
    except tk.TimeError:
        assume(False)  # a wall time in a DST gap is refused at load time
    p = payload(
        "s", scheduleType=schedule_type, timezone=zone_name, nextInterval=tk.format_api(anchor)
    )
    sent = body_to_send(p, now=NOW)
    instant = tk.to_instant(tk.parse_api(sent["nextInterval"]), zone)
    for _ in range(fires):
        instant = tk.advance(instant, schedule_type, zone, in_utc=in_utc)
    live = {
        "id": 1,
        "name": "s",
        "executionId": 3857,
        "scheduleType": schedule_type,
        "status": "ACTIVE",
        "nextInterval": tk.epoch_ms(instant),
    }
    later = max(NOW, instant)
    schedule = to_live(live, "GET")
    plan = compute_plan(desired(p), recorded((1, p)), now=later, live={"s": Live(schedule)})
    assert [a.kind for a in plan.actions] == [ActionKind.NOOP], plan.actions[0]
