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
