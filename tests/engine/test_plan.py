"""compute_plan: desired vs recorded gives create/update/noop/orphan/delete, deterministically."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.errors import InputError, Location
from reconciler.core.model import (
    ActionKind,
    DesiredSchedule,
    DesiredSet,
    RecordedSchedule,
)
from reconciler.engine.plan import body_to_send, compute_plan

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
    assert plan.actions[0].reason == "already fired"


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
    plan = compute_plan(desired(p), recorded((1, p)), now=later, live={"s": Live(live)})
    assert [a.kind for a in plan.actions] == [ActionKind.NOOP], plan.actions[0].reason


# --- what each action says, and what the live server changes ---------------------------------


def live_of(p: dict[str, object], id_: int = 7, **over: object) -> dict[str, object]:
    """The server's JSON for payload `p` (Asia/Kolkata 17:30 = 12:00 UTC), fields overridden."""
    body: dict[str, object] = {
        "id": id_,
        **{k: v for k, v in p.items() if k not in ("timezone", "nextInterval")},
        "nextInterval": int(datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp() * 1000),
    }
    body.update(over)
    return body


def test_a_create_says_it_is_declared_and_where() -> None:
    (action,) = compute_plan(desired(payload("a")), {}, now=NOW).actions
    assert action.reason == "declared, not yet created"
    assert str(action.location) == "f.yaml:1:3"
    assert action.id is None and action.before is None


def test_an_orphan_is_left_alone_and_says_how_to_delete_it() -> None:
    (action,) = compute_plan(desired(), recorded((8, payload("gone"))), now=NOW).actions
    assert (action.kind, action.id, action.after) == (ActionKind.ORPHAN, 8, None)
    assert action.before == payload("gone")
    assert action.reason == "no longer declared; left alone (use --prune to delete it)"


def test_a_pruned_orphan_is_a_delete_of_its_recorded_id() -> None:
    plan = compute_plan(desired(), recorded((8, payload("gone"))), now=NOW, prune=True)
    (action,) = plan.actions
    assert (action.kind, action.id, action.after) == (ActionKind.DELETE, 8, None)
    assert action.before == payload("gone")
    assert action.reason == "no longer declared (--prune)"


def test_an_orphan_already_deleted_outside_says_so() -> None:
    from reconciler.core.model import Live

    rec = recorded((8, payload("gone")))
    (kept,) = compute_plan(desired(), rec, now=NOW, live={"gone": Live(None)}).actions
    assert kept.kind is ActionKind.ORPHAN and kept.id == 8 and kept.after is None
    assert kept.name == "gone"
    assert kept.before == payload("gone")
    assert kept.reason == (
        "no longer declared, and already deleted outside the reconciler (use --prune to forget it)"
    )
    (forgotten,) = compute_plan(
        desired(), rec, now=NOW, prune=True, live={"gone": Live(None)}
    ).actions
    assert forgotten.kind is ActionKind.DELETE and forgotten.id == 8
    assert forgotten.reason == "no longer declared, and already deleted outside the reconciler"


def test_a_schedule_deleted_outside_is_created_again_naming_its_old_id() -> None:
    from reconciler.core.model import Live

    plan = compute_plan(
        desired(payload("a")), recorded((7, payload("a"))), now=NOW, live={"a": Live(None)}
    )
    (action,) = plan.actions
    assert (action.kind, action.id, action.after) == (ActionKind.CREATE, None, payload("a"))
    assert action.reason == "deleted outside the reconciler (was id 7); creating it again"


def test_a_name_taken_on_the_server_is_a_conflict_not_a_create() -> None:
    why = "a schedule named 'a' already exists in Testsigma (id 99)"
    plan = compute_plan(desired(payload("a")), {}, now=NOW, conflicts={"a": why})
    (action,) = plan.actions
    assert (action.kind, action.id, action.before) == (ActionKind.CONFLICT, None, None)
    assert action.name == "a"
    assert action.after == payload("a") and action.reason == why
    assert str(action.location) == "f.yaml:1:3"
    assert not plan.has_changes and plan.conflicts == (action,)


def test_a_conflict_for_a_recorded_schedule_is_not_raised() -> None:
    plan = compute_plan(
        desired(payload("a")), recorded((7, payload("a"))), now=NOW, conflicts={"a": "taken"}
    )
    assert kinds(plan) == [("noop", "a")]


def test_an_update_says_which_yaml_fields_changed() -> None:
    plan = compute_plan(
        desired(payload("a", scheduleType="WEEKLY", status="IN_ACTIVE")),
        recorded((7, payload("a"))),
        now=NOW,
    )
    (action,) = plan.actions
    assert action.reason == "YAML changed: scheduleType, status"
    assert action.before == payload("a") and action.drift == ()
    assert str(action.location) == "f.yaml:1:3"


def test_drift_is_healed_by_an_update_from_the_server_values() -> None:
    from reconciler.core.model import FieldChange, Live

    p = payload("a")
    server = live_of(p, status="IN_ACTIVE")
    plan = compute_plan(desired(p), recorded((7, p)), now=NOW, live={"a": Live(server)})
    (action,) = plan.actions
    assert action.kind is ActionKind.UPDATE and action.id == 7
    assert action.drift == (FieldChange("status", "ACTIVE", "IN_ACTIVE"),)
    assert action.changes == (FieldChange("status", "IN_ACTIVE", "ACTIVE"),)
    assert action.reason == "changed outside the reconciler: status ACTIVE -> IN_ACTIVE"
    assert action.after == p


def test_drift_and_a_yaml_edit_are_both_named() -> None:
    from reconciler.core.model import Live

    p = payload("a")
    plan = compute_plan(
        desired(payload("a", scheduleType="WEEKLY")),
        recorded((7, p)),
        now=NOW,
        live={"a": Live(live_of(p, comments="edited"))},
    )
    (action,) = plan.actions
    assert action.reason == (
        "changed outside the reconciler: comments (none) -> edited; YAML changed: scheduleType"
    )
    assert [c.field for c in action.changes] == ["scheduleType", "comments"]


def test_a_time_moved_outside_is_drift_with_the_live_wall_time() -> None:
    from reconciler.core.model import Live

    p = payload("a")
    moved = live_of(
        p, nextInterval=int(datetime(2026, 12, 1, 13, 0, tzinfo=UTC).timestamp() * 1000)
    )
    (action,) = compute_plan(desired(p), recorded((7, p)), now=NOW, live={"a": Live(moved)}).actions
    assert action.kind is ActionKind.UPDATE
    assert [(c.field, c.before, c.after) for c in action.changes] == [
        ("nextInterval", "2026-12-01T18:30:00.000", "2026-12-01T17:30:00.000")
    ]


def test_the_server_as_recorded_is_in_sync() -> None:
    from reconciler.core.model import Live

    p = payload("a")
    (action,) = compute_plan(
        desired(p), recorded((7, p)), now=NOW, live={"a": Live(live_of(p))}
    ).actions
    assert (action.kind, action.reason, action.id) == (ActionKind.NOOP, "in sync", 7)
    assert action.before == p and action.after == p


def test_a_fired_once_edited_cannot_be_sent_and_says_where() -> None:
    p = payload("once", scheduleType="ONCE", nextInterval="2026-01-01T09:00:00.000")
    with pytest.raises(InputError) as info:
        compute_plan(desired({**p, "status": "IN_ACTIVE"}), recorded((5, p)), now=NOW)
    (problem,) = info.value.problems
    assert str(problem.location) == "f.yaml:1:3"
    assert "changed, but it is ONCE at 2026-01-01T09:00:00.000 Asia/Kolkata" in problem.message


def test_a_fired_once_whose_server_copy_differs_is_history_not_drift() -> None:
    from reconciler.core.model import Live

    p = payload("once", scheduleType="ONCE", nextInterval="2026-01-01T09:00:00.000")
    server = live_of(p, status="IN_ACTIVE", comments="ran")
    plan = compute_plan(desired(p), recorded((5, p)), now=NOW, live={"once": Live(server)})
    assert kinds(plan) == [("noop", "once")] and plan.actions[0].reason == "already fired"


def test_every_problem_is_reported_together() -> None:
    past = {"scheduleType": "ONCE", "nextInterval": "2026-01-01T09:00:00.000"}
    with pytest.raises(InputError) as info:
        compute_plan(
            desired(payload("a", **past), payload("b", **past)),
            {},
            now=NOW,
            targets={"a", "b", "z"},
        )
    assert len(info.value.problems) == 3
    assert str(info.value.problems[-1].location) == "--target"


def test_a_plan_carries_the_loader_warnings() -> None:
    from reconciler.core.errors import Problem

    warning = Problem(Location("f.yaml", 2, 1), "careful", "warning")
    want = DesiredSet(schedules=desired(payload("a")).schedules, warnings=(warning,))
    assert compute_plan(want, {}, now=NOW).warnings == (warning,)


def test_sending_a_past_once_is_refused() -> None:
    p = payload("once", scheduleType="ONCE", nextInterval="2026-01-01T09:00:00.000")
    with pytest.raises(
        ValueError, match=r"once: the ONCE time 2026-01-01T09:00:00\.000 has passed"
    ):
        body_to_send(p, now=NOW)


def test_a_time_within_the_send_margin_is_moved_to_the_next_occurrence() -> None:
    soon = payload("a", nextInterval="2026-11-29T13:31:00.000")  # 08:01 UTC, one minute away
    assert body_to_send(soon, now=NOW)["nextInterval"] == "2026-11-30T13:31:00.000"
    later = payload("a", nextInterval="2026-11-29T13:33:00.000")  # three minutes away
    assert body_to_send(later, now=NOW)["nextInterval"] == "2026-11-29T13:33:00.000"


def test_a_past_once_is_reported_at_its_next_interval_with_what_to_do() -> None:
    at = Location("f.yaml", 4, 19)
    p = payload("once", scheduleType="ONCE", nextInterval="2026-01-01T09:00:00.000")
    want = DesiredSchedule(
        name="once",
        payload=p,
        location=Location("f.yaml", 1, 3),
        field_locations={"nextInterval": at},
    )
    with pytest.raises(InputError) as info:
        compute_plan(DesiredSet(schedules=(want,)), {}, now=NOW)
    (problem,) = info.value.problems
    assert problem.location == at
    assert problem.message == (
        "schedule 'once' is ONCE at 2026-01-01T09:00:00.000 Asia/Kolkata, which has passed: "
        "Testsigma refuses past times. Move nextInterval into the future or remove the schedule."
    )
    edited = DesiredSchedule(
        name="once",
        payload={**p, "comments": "x"},
        location=Location("f.yaml", 1, 3),
        field_locations={"nextInterval": at},
    )
    with pytest.raises(InputError) as info:
        compute_plan(DesiredSet(schedules=(edited,)), recorded((5, p)), now=NOW)
    (problem,) = info.value.problems
    assert problem.location == at
    assert problem.message == (
        "schedule 'once' changed, but it is ONCE at 2026-01-01T09:00:00.000 Asia/Kolkata, which "
        "has passed: Testsigma refuses past times. Move nextInterval into the future."
    )


def test_unchanged_and_updated_actions_keep_the_name_and_where_it_is_declared() -> None:
    from reconciler.core.model import Live

    p = payload("a")
    (noop,) = compute_plan(desired(p), recorded((7, p)), now=NOW).actions
    assert (noop.name, str(noop.location)) == ("a", "f.yaml:1:3")
    server = live_of(p, status="IN_ACTIVE", comments="x")
    (update,) = compute_plan(
        desired(p), recorded((7, p)), now=NOW, live={"a": Live(server)}
    ).actions
    assert (update.name, str(update.location)) == ("a", "f.yaml:1:3")
    assert update.reason == (
        "changed outside the reconciler: status ACTIVE -> IN_ACTIVE, comments (none) -> x"
    )


def test_an_unreadable_live_time_is_healed_from_what_the_server_sent() -> None:
    from reconciler.core.model import Live

    p = payload("a")
    server = live_of(p, nextInterval="soon")
    (action,) = compute_plan(
        desired(p), recorded((7, p)), now=NOW, live={"a": Live(server)}
    ).actions
    assert [(c.field, c.before, c.after) for c in action.changes] == [
        ("nextInterval", "soon", "2026-12-01T17:30:00.000")
    ]
