"""compute_plan's actions in full: orphans and deletes, replaces, renames with live drift,
unknown targets, and the body a create or update sends."""

from __future__ import annotations

import pytest
from test_plan import NOW, desired, payload, recorded
from test_plan_rename import moved

from reconciler import timekeeping as tk
from reconciler.core.errors import InputError, Location
from reconciler.core.model import Action, ActionKind, Cause, FieldChange, Live, LiveSchedule
from reconciler.engine.plan import body_to_send, compute_plan, needs_replace

DUE = tk.epoch_ms(
    tk.to_instant(tk.parse_api("2026-12-01T17:30:00.000"), tk.resolve_zone("Asia/Kolkata"))
)


def live(name: str, status: str = "ACTIVE") -> Live:
    return Live(LiveSchedule(7, name, 3857, "DAILY", status, None, DUE))


@pytest.mark.parametrize("prune", [False, True])
def test_an_undeclared_schedule_is_orphaned_or_deleted_with_its_recorded_id(prune: bool) -> None:
    have = recorded((7, payload("old")))
    (action,) = compute_plan(desired(), have, now=NOW, prune=prune).actions
    assert action == Action(
        kind=ActionKind.DELETE if prune else ActionKind.ORPHAN,
        name="old",
        id=7,
        before=payload("old"),
        after=None,
        cause=Cause.NOT_DECLARED,
    )


@pytest.mark.parametrize("prune", [False, True])
def test_an_undeclared_schedule_deleted_outside_is_gone(prune: bool) -> None:
    have = recorded((7, payload("old")))
    plan = compute_plan(desired(), have, now=NOW, prune=prune, live={"old": Live(None)})
    assert plan.actions == (
        Action(
            kind=ActionKind.DELETE if prune else ActionKind.ORPHAN,
            name="old",
            id=7,
            before=payload("old"),
            after=None,
            cause=Cause.GONE,
        ),
    )


def test_an_unknown_target_points_at_the_flag_and_suggests_only_a_close_name() -> None:
    with pytest.raises(InputError) as info:
        compute_plan(desired(payload("nightly")), {}, now=NOW, targets={"nigthly", "zzz"})
    close, far = info.value.problems
    assert close.location == Location("--target") and far.location == Location("--target")
    assert close.message == (
        "no schedule named 'nigthly' is declared or recorded; did you mean 'nightly'?"
    )
    assert far.message == "no schedule named 'zzz' is declared or recorded"


def test_only_taking_away_executionconfig_keys_needs_a_replace() -> None:
    by_name = {"executionConfig": {"name": "chrome"}}
    by_id = {"executionConfig": {"id": 4}}
    assert needs_replace(by_name, {}) is True
    assert needs_replace(by_name, by_id) is True
    assert needs_replace(by_name, {"executionConfig": {"name": "firefox"}}) is False
    assert needs_replace(by_name, {"executionConfig": {"name": "x", "id": 4}}) is False
    assert needs_replace({}, by_id) is False
    have = recorded((7, payload("a", **by_name)))
    (action,) = compute_plan(desired(payload("a", **by_id)), have, now=NOW).actions
    assert (action.kind, action.cause) == (ActionKind.REPLACE, Cause.CONFIG_REMOVED)
    (kept,) = compute_plan(
        desired(payload("a", executionConfig={"name": "f"})), have, now=NOW
    ).actions
    assert (kept.kind, kept.cause) == (ActionKind.UPDATE, Cause.CHANGED)


def test_a_rename_already_made_outside_is_not_drift_but_other_changes_outside_are() -> None:
    want = moved(desired(payload("new")), ("old", "new"))
    have = recorded((7, payload("old")))
    same = compute_plan(want, have, now=NOW, live={"old": live("new")})
    (rename,) = same.actions
    assert (rename.kind, rename.id, rename.renamed_from) == (ActionKind.RENAME, 7, "old")
    assert rename.drift == ()
    paused = compute_plan(want, have, now=NOW, live={"old": live("new", "IN_ACTIVE")})
    (action,) = paused.actions
    assert action.drift == (FieldChange("status", "ACTIVE", "IN_ACTIVE"),)
    assert FieldChange("status", "IN_ACTIVE", "ACTIVE") in action.changes
    elsewhere = compute_plan(want, have, now=NOW, live={"old": live("other")})
    assert elsewhere.actions[0].drift == (FieldChange("name", "old", "other"),)


def test_a_time_about_to_pass_is_sent_for_its_next_occurrence() -> None:
    # NOW is 08:00 UTC, 13:30 in Kolkata; 13:31 is inside the two minutes a request may take
    body = body_to_send(payload("a", nextInterval="2026-11-29T13:31:00.000"), now=NOW)
    assert body["nextInterval"] == "2026-11-30T13:31:00.000"
    later = body_to_send(payload("a", nextInterval="2026-11-29T13:33:00.000"), now=NOW)
    assert later["nextInterval"] == "2026-11-29T13:33:00.000"


def test_a_passed_once_cannot_be_sent() -> None:
    once = payload("o", scheduleType="ONCE", nextInterval="2026-01-01T09:00:00.000")
    with pytest.raises(ValueError) as info:
        body_to_send(once, now=NOW)
    assert str(info.value) == "o: the ONCE time 2026-01-01T09:00:00.000 has passed"


def test_a_damaged_record_is_one_problem_naming_the_fix() -> None:
    damaged = {"name": "a", "executionId": 3857}  # no timing: written by hand or truncated
    with pytest.raises(InputError) as info:
        compute_plan(desired(payload("a")), recorded((7, damaged)), now=NOW)
    (first,) = info.value.problems
    assert first.location == Location("state")
    assert first.message.startswith("the recorded payload of 'a' (id 7) is damaged (")
    assert first.message.endswith("run `reconciler state rm a`, then `reconciler import a 7`")


def test_an_update_always_sends_comments_so_a_removed_one_is_cleared() -> None:
    assert body_to_send(payload("a"), now=NOW, update=True)["comments"] == ""
    assert "comments" not in body_to_send(payload("a"), now=NOW)
    kept = body_to_send(payload("a", comments="team"), now=NOW, update=True)
    assert kept["comments"] == "team"
