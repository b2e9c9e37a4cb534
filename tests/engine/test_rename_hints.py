"""The "looks like a rename" hint: found whatever order the recorded fields come in."""

from __future__ import annotations

from test_plan import NOW, desired, payload, recorded

from reconciler.core.errors import Location
from reconciler.engine.plan import compute_plan


def test_a_rename_is_hinted_at_whatever_order_the_state_keeps_the_fields_in() -> None:
    old = dict(reversed(list(payload("old").items())))  # as another store may give it back
    plan = compute_plan(
        desired(payload("b", comments="x"), payload("new")), recorded((7, old)), now=NOW
    )
    (hint,) = plan.warnings
    assert hint.location == Location("f.yaml", 2, 3)
    assert hint.message == (
        "`new` looks like a rename of `old` (id 7): to keep the schedule and its id, add "
        "`moved: [{from: old, to: new}]`"
    )


def test_every_rename_is_hinted_even_after_an_unrelated_action() -> None:
    want = desired(payload("a-new"), payload("b-new", comments="x"), payload("keep"))
    have = recorded(
        (7, payload("a-old")), (8, payload("b-old", comments="x")), (9, payload("keep"))
    )
    hints = compute_plan(want, have, now=NOW).warnings
    assert [h.message.split(" looks")[0] for h in hints] == ["`a-new`", "`b-new`"]
    assert [h.location for h in hints] == [Location("f.yaml", 1, 3), Location("f.yaml", 2, 3)]


def test_a_create_with_nothing_orphaned_gets_no_hint() -> None:
    want = desired(payload("new"), payload("keep", comments="k"))
    plan = compute_plan(want, recorded((9, payload("keep"))), now=NOW)
    assert plan.warnings == ()
