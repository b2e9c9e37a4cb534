"""A saved plan reads back as exactly the plan that was shown: every field, every form.

`apply --plan FILE` applies what the reviewer saw, so nothing may be lost or bent on
the way through the file: conflicts with their ids and journal details, locations with
or without line and column (and file names with colons), drift and changes with
structured values, and the fields of renames, stuck and deleted-outside schedules.
A file whose values have the wrong kind is refused in words, never half-read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_planfile import BODY, KEY, read, saved

from reconciler.core.errors import Location, ReconcilerError
from reconciler.core.model import Action, ActionKind, Cause, Conflict, FieldChange

LOCATIONS = [
    Location("team/a.yaml", 3, 5),
    Location("team/a.yaml", 3),
    Location("team/a.yaml"),
    Location("c:odd/a.yaml", 12, 1),
    Location("c:odd/a.yaml", 12),
    Location("c:odd/a.yaml"),
]

CONFLICTS = [
    Conflict(Cause.NAME_TAKEN, ids=(3, 41)),
    Conflict(Cause.UNKNOWN_OUTCOME, entry_id=12, started_at="2026-11-29T08:00:00+00:00"),
    Conflict(Cause.LOOKUP_FAILED, detail="HTTP 500: Internal Server Error"),
    Conflict(Cause.OTHER_WORKSPACE, detail="payments"),
]


def conflict(at: Location, why: Conflict) -> Action:
    return Action(
        kind=ActionKind.CONFLICT,
        name="nightly",
        id=None,
        before=None,
        after=BODY,
        cause=why.cause,
        conflict=why,
        location=at,
    )


@pytest.mark.parametrize("at", LOCATIONS, ids=str)
@pytest.mark.parametrize("why", CONFLICTS, ids=lambda c: c.cause.value)
def test_a_conflict_and_its_location_read_back_exactly(at: Location, why: Conflict) -> None:
    shown = conflict(at, why)
    (back,) = read(saved(shown)).actions
    assert back == shown
    assert back.location == at and back.conflict == why


def test_a_rename_reads_back_with_its_old_name_and_its_changes() -> None:
    # Stuck replaces and re-creations: test_planfile_fields.py.
    renamed = {**BODY, "name": "nightly-eu", "comments": "moved"}
    shown = Action(
        kind=ActionKind.RENAME,
        name="nightly-eu",
        id=7,
        before=BODY,
        after=renamed,
        cause=Cause.RENAMED,
        renamed_from="nightly",
        changes=(FieldChange("comments", None, "moved"),),
        location=Location("team/a.yaml", 9, 3),
    )
    assert read(saved(shown)).actions == (shown,)


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", True), ("id", "12"), ("previous_id", 1.5), ("behind_seconds", "soon")],
)
def test_a_value_of_the_wrong_kind_is_refused_in_words(field: str, value: Any) -> None:
    shown = Action(
        kind=ActionKind.UPDATE, name="n", id=12, before=BODY, after=BODY, cause=Cause.CHANGED
    )
    doc = saved(shown)
    doc["actions"][0][field] = value
    resigned = _resigned(doc)
    with pytest.raises(ReconcilerError) as refused:
        read(resigned)
    assert "plan.json is not a readable saved plan" in refused.value.message
    assert field in refused.value.message or "whole number" in refused.value.message


def _resigned(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` signed again with the state's key: what only the state's owner could write."""
    from reconciler.engine import planfile

    body = {k: v for k, v in doc.items() if k != "signature"}
    return json.loads(json.dumps({**body, "signature": planfile._sign(KEY, body)}))
