"""compute_plan as a reviewer reads it (ported from the tests branch): each action's cause in
words, drift healed from the server's values, problems reported together, the send margin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import strategies as st

# The fixtures are test_plan's, shared rather than copied.
from test_plan import NOW, desired, kinds, payload, recorded

from reconciler.core.errors import InputError, Location
from reconciler.core.model import (
    ActionKind,
    DesiredSchedule,
    DesiredSet,
)
from reconciler.engine.plan import body_to_send, compute_plan
from reconciler.render.words import reason
from reconciler.testsigma.live import to_live

names = st.lists(st.text("abcdef-", min_size=1, max_size=6), unique=True, max_size=8)


ZONES = [
    "Asia/Kolkata",
    "America/New_York",
    "Australia/Lord_Howe",
    "Europe/London",
    "UTC",
    "America/Sao_Paulo",
    "EST",
]


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
    assert reason(action) == "declared, not yet created"
    assert str(action.location) == "f.yaml:1:3"
    assert action.id is None and action.before is None


def test_an_orphan_is_left_alone_and_says_how_to_delete_it() -> None:
    (action,) = compute_plan(desired(), recorded((8, payload("gone"))), now=NOW).actions
    assert (action.kind, action.id, action.after) == (ActionKind.ORPHAN, 8, None)
    assert action.before == payload("gone")
    assert reason(action) == "no longer declared; left alone (use --prune to delete it)"


def test_a_pruned_orphan_is_a_delete_of_its_recorded_id() -> None:
    plan = compute_plan(desired(), recorded((8, payload("gone"))), now=NOW, prune=True)
    (action,) = plan.actions
    assert (action.kind, action.id, action.after) == (ActionKind.DELETE, 8, None)
    assert action.before == payload("gone")
    assert reason(action) == "no longer declared (--prune)"


def test_an_orphan_already_deleted_outside_says_so() -> None:
    from reconciler.core.model import Live

    rec = recorded((8, payload("gone")))
    (kept,) = compute_plan(desired(), rec, now=NOW, live={"gone": Live(None)}).actions
    assert kept.kind is ActionKind.ORPHAN and kept.id == 8 and kept.after is None
    assert kept.name == "gone"
    assert kept.before == payload("gone")
    assert reason(kept) == (
        "no longer declared, and already deleted outside the reconciler (use --prune to forget it)"
    )
    (forgotten,) = compute_plan(
        desired(), rec, now=NOW, prune=True, live={"gone": Live(None)}
    ).actions
    assert forgotten.kind is ActionKind.DELETE and forgotten.id == 8
    assert reason(forgotten) == "no longer declared, and already deleted outside the reconciler"


def test_a_schedule_deleted_outside_is_created_again_naming_its_old_id() -> None:
    from reconciler.core.model import Live

    plan = compute_plan(
        desired(payload("a")), recorded((7, payload("a"))), now=NOW, live={"a": Live(None)}
    )
    (action,) = plan.actions
    assert (action.kind, action.id, action.after) == (ActionKind.CREATE, None, payload("a"))
    assert reason(action) == "deleted outside the reconciler (was id 7); creating it again"


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
    assert reason(action) == "YAML changed: scheduleType, status"
    assert action.before == payload("a") and action.drift == ()
    assert str(action.location) == "f.yaml:1:3"


def test_drift_is_healed_by_an_update_from_the_server_values() -> None:
    from reconciler.core.model import FieldChange, Live

    p = payload("a")
    server = live_of(p, status="IN_ACTIVE")
    plan = compute_plan(
        desired(p), recorded((7, p)), now=NOW, live={"a": Live(to_live(server, "GET"))}
    )
    (action,) = plan.actions
    assert action.kind is ActionKind.UPDATE and action.id == 7
    assert action.drift == (FieldChange("status", "ACTIVE", "IN_ACTIVE"),)
    assert action.changes == (FieldChange("status", "IN_ACTIVE", "ACTIVE"),)
    assert reason(action) == "changed outside the reconciler: status ACTIVE -> IN_ACTIVE"
    assert action.after == p


def test_drift_and_a_yaml_edit_are_both_named() -> None:
    from reconciler.core.model import Live

    p = payload("a")
    plan = compute_plan(
        desired(payload("a", scheduleType="WEEKLY")),
        recorded((7, p)),
        now=NOW,
        live={"a": Live(to_live(live_of(p, comments="edited"), "GET"))},
    )
    (action,) = plan.actions
    assert reason(action) == (
        "changed outside the reconciler: comments (none) -> edited; YAML changed: scheduleType"
    )
    assert [c.field for c in action.changes] == ["scheduleType", "comments"]


def test_a_time_moved_outside_is_drift_with_the_live_wall_time() -> None:
    from reconciler.core.model import Live

    p = payload("a")
    moved = live_of(
        p, nextInterval=int(datetime(2026, 12, 1, 13, 0, tzinfo=UTC).timestamp() * 1000)
    )
    (action,) = compute_plan(
        desired(p), recorded((7, p)), now=NOW, live={"a": Live(to_live(moved, "GET"))}
    ).actions
    assert action.kind is ActionKind.UPDATE
    assert [(c.field, c.before, c.after) for c in action.changes] == [
        ("nextInterval", "2026-12-01T18:30:00.000", "2026-12-01T17:30:00.000")
    ]


def test_the_server_as_recorded_is_in_sync() -> None:
    from reconciler.core.model import Live

    p = payload("a")
    (action,) = compute_plan(
        desired(p), recorded((7, p)), now=NOW, live={"a": Live(to_live(live_of(p), "GET"))}
    ).actions
    assert (action.kind, reason(action), action.id) == (ActionKind.NOOP, "in sync", 7)
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
    plan = compute_plan(
        desired(p), recorded((5, p)), now=NOW, live={"once": Live(to_live(server, "GET"))}
    )
    assert kinds(plan) == [("noop", "once")] and reason(plan.actions[0]) == "already fired"


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
        desired(p), recorded((7, p)), now=NOW, live={"a": Live(to_live(server, "GET"))}
    ).actions
    assert (update.name, str(update.location)) == ("a", "f.yaml:1:3")
    assert reason(update) == (
        "changed outside the reconciler: status ACTIVE -> IN_ACTIVE, comments (none) -> x"
    )
