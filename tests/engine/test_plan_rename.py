"""Renames in the pure planner: `moved:` becomes one rename action keeping the id."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from test_plan import NOW, desired, payload, recorded

from reconciler.core.errors import InputError, Location
from reconciler.core.model import ActionKind, Cause, Conflict, DesiredSet, Live, Move
from reconciler.engine.plan import compute_plan
from reconciler.engine.planfile import plan_from_document, plan_to_document
from reconciler.render.words import reason


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
        conflicts={"new": Conflict(Cause.NAME_TAKEN, ids=(9,))},
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


def test_a_rename_is_caused_renamed_and_worded_with_its_other_changes() -> None:
    want = moved(desired(payload("new", comments="x")), ("old", "new"))
    (action,) = compute_plan(want, recorded((7, payload("old"))), now=NOW).actions
    assert action.cause is Cause.RENAMED
    assert reason(action) == "moved: renamed from old; also changes comments"


def test_a_rename_that_needs_a_replace_is_a_replace_under_the_new_name() -> None:
    favourite = {"name": "smoke only"}
    want = moved(desired(payload("new")), ("old", "new"))
    plan = compute_plan(want, recorded((7, payload("old", executionConfig=favourite))), now=NOW)
    (action,) = plan.actions
    assert action.kind is ActionKind.REPLACE and action.cause is Cause.CONFIG_REMOVED
    assert (action.name, action.renamed_from, action.id) == ("new", "old", 7)
    assert "re-created under the new name (old id 7 deleted)" in reason(action)
    assert plan.count(ActionKind.RENAME) == 0 and plan.changing_actions == (action,)


def test_renames_and_renaming_replaces_read_back_from_a_saved_plan() -> None:
    favourite = {"name": "smoke only"}
    want = moved(desired(payload("new"), payload("b2")), ("old", "new"), ("b", "b2"))
    have = {
        **recorded((7, payload("old", executionConfig=favourite))),
        **recorded((8, payload("b"))),
    }
    plan = compute_plan(want, have, now=NOW)
    assert sorted(a.kind.value for a in plan.actions) == ["rename", "replace"]
    key = b"k" * 32
    doc = plan_to_document(plan, lineage="l", serial=1, digest="d" * 64, options={}, key=key)
    saved = plan_from_document(json.loads(json.dumps(doc)), source="p.json", key=key, lineage="l")
    for back, original in zip(saved.plan.actions, plan.actions, strict=True):
        assert (back.kind, back.cause, back.renamed_from, back.id) == (
            original.kind,
            original.cause,
            original.renamed_from,
            original.id,
        )
        assert reason(back) == reason(original)
