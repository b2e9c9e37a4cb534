"""Renames in the pure planner: `moved:` becomes one rename action keeping the id."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_plan import NOW, desired, payload, recorded

from reconciler.core.errors import InputError, Location
from reconciler.core.model import ActionKind, DesiredSet, Live, Move
from reconciler.engine.plan import compute_plan


def moved(base: DesiredSet, *pairs: tuple[str, str]) -> DesiredSet:
    moves = tuple(Move(a, b, Location("m.yaml", i + 1, 5)) for i, (a, b) in enumerate(pairs))
    return replace(base, moved=moves)


def test_moved_entry_plans_one_rename_and_no_create_or_orphan() -> None:
    want = moved(desired(payload("new")), ("old", "new"))
    plan = compute_plan(want, recorded((7, payload("old"))), now=NOW)
    (action,) = plan.actions
    assert action.kind is ActionKind.RENAME
    assert (action.name, action.renamed_from, action.id) == ("new", "old", 7)
    assert [c.field for c in action.changes] == ["name"]
    assert plan.has_changes and plan.changing_actions == (action,)


def test_moved_entry_whose_from_is_unknown_is_a_no_op() -> None:
    want = moved(desired(payload("new")), ("old", "new"))
    plan = compute_plan(want, recorded((7, payload("new"))), now=NOW)
    assert [a.kind for a in plan.actions] == [ActionKind.NOOP]


def test_rename_of_a_schedule_deleted_outside_creates_it() -> None:
    want = moved(desired(payload("new")), ("old", "new"))
    plan = compute_plan(
        want,
        recorded((7, payload("old"))),
        now=NOW,
        live={"old": Live(None)},
    )
    assert sorted(a.kind.value for a in plan.actions) == ["create", "orphan"]


def test_both_names_recorded_is_an_error() -> None:
    want = moved(desired(payload("new")), ("old", "new"))
    with pytest.raises(InputError, match=r"both `old` .* and `new` .* are recorded"):
        compute_plan(
            want,
            recorded((7, payload("old")), (8, payload("new"))),
            now=NOW,
        )


def test_rename_under_a_name_taken_on_the_server_is_a_conflict() -> None:
    want = moved(desired(payload("new")), ("old", "new"))
    plan = compute_plan(
        want,
        recorded((7, payload("old"))),
        now=NOW,
        conflicts={"new": "taken"},
    )
    assert sorted(a.kind.value for a in plan.actions) == ["conflict", "orphan"]


def test_create_plus_orphan_with_equal_payloads_hints_at_moved() -> None:
    plan = compute_plan(desired(payload("new")), recorded((7, payload("old"))), now=NOW)
    (hint,) = plan.warnings
    assert hint.severity == "warning"
    assert "add `moved: [{from: old, to: new}]`" in hint.message
    different = compute_plan(
        desired(payload("new", comments="x")), recorded((7, payload("old"))), now=NOW
    )
    assert different.warnings == ()


@pytest.mark.parametrize("target", ["old", "new"])
def test_target_by_either_name_plans_the_rename(target: str) -> None:
    want = moved(desired(payload("new"), payload("other")), ("old", "new"))
    have = recorded((7, payload("old")), (8, payload("other")))
    plan = compute_plan(want, have, now=NOW, targets=frozenset({target}))
    assert [(a.kind, a.name) for a in plan.actions] == [(ActionKind.RENAME, "new")]
