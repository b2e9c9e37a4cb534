"""compute_plan's conflicts and passed ONCE schedules: what a user reads and where it points."""

from __future__ import annotations

import pytest
from test_plan import NOW, desired, payload

from reconciler.core.errors import InputError, Location
from reconciler.core.model import ActionKind, Cause, Conflict, DesiredSchedule, DesiredSet
from reconciler.engine.plan import compute_plan, once_passed_problem, passed_once_problems

PAST = {"scheduleType": "ONCE", "nextInterval": "2026-01-01T09:00:00.000"}


def test_a_conflict_is_planned_with_its_cause_and_nothing_to_send_over() -> None:
    why = Conflict(Cause.NAME_TAKEN, ids=(41, 42))
    plan = compute_plan(desired(payload("b"), payload("a")), {}, now=NOW, conflicts={"a": why})
    conflict, create = plan.actions
    assert (conflict.kind, conflict.name, conflict.id) == (ActionKind.CONFLICT, "a", None)
    assert conflict.cause is Cause.NAME_TAKEN and conflict.conflict == why
    assert (conflict.before, conflict.after) == (None, payload("a"))
    assert conflict.location == Location("f.yaml", 2, 3)
    assert (create.kind, create.name) == (ActionKind.CREATE, "b")


def test_a_passed_once_not_yet_created_is_an_error_at_its_next_interval() -> None:
    at = {"nextInterval": Location("f.yaml", 4, 18)}
    want = DesiredSchedule("once", payload("once", **PAST), Location("f.yaml", 2, 3), at)
    with pytest.raises(InputError) as info:
        compute_plan(DesiredSet(schedules=(want,)), {}, now=NOW)
    (problem,) = info.value.problems
    assert problem.location == Location("f.yaml", 4, 18)
    assert problem.severity == "error"
    assert problem.message == (
        "schedule 'once' is ONCE at 2026-01-01T09:00:00.000 Asia/Kolkata, which has passed: "
        "Testsigma refuses past times. Move nextInterval into the future or remove the schedule."
    )


def test_validate_warns_about_every_passed_once_and_plan_only_about_unrecorded_ones() -> None:
    wanted = desired(payload("old", **PAST), payload("new", **PAST), payload("daily"))
    warned = passed_once_problems(wanted, now=NOW)
    assert [(p.severity, p.location.line) for p in warned] == [("warning", 1), ("warning", 2)]
    assert warned[0].message == (
        "schedule 'old' is ONCE at 2026-01-01T09:00:00.000 Asia/Kolkata, which has passed: "
        "it cannot be created (Testsigma refuses past times); once applied, plans report it "
        "as already fired"
    )
    errors = passed_once_problems(wanted, now=NOW, recorded={"old"})
    assert [(p.severity, p.message.split(" is ")[0]) for p in errors] == [
        ("error", "schedule 'new'")
    ]
    assert once_passed_problem(wanted.schedules[1]) == errors[0]
