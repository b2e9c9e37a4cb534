"""The JSON plan document: what a pipeline reads to decide and to report."""

from __future__ import annotations

import json
from typing import Any

from plan_samples import FULL, NOW, QUIET

from reconciler.render.json_doc import FORMAT_VERSION, plan_document

DOC: dict[str, Any] = json.loads(json.dumps(plan_document(FULL, now=NOW)))


def action(name: str) -> dict[str, Any]:
    (found,) = (a for a in DOC["actions"] if a["name"] == name)
    return found


def test_the_document_is_versioned_and_dated() -> None:
    assert DOC["format_version"] == FORMAT_VERSION == "1"
    assert DOC["generated_at"] == "2026-11-29T08:00:00Z"


def test_the_summary_counts_every_kind_and_says_whether_anything_changes() -> None:
    assert DOC["summary"] == {
        "create": 2,
        "update": 1,
        "replace": 0,
        "delete": 1,
        "noop": 1,
        "orphan": 1,
        "conflict": 1,
        "rename": 0,
    }
    assert DOC["has_changes"] is True
    quiet = plan_document(QUIET, now=NOW)
    assert quiet["has_changes"] is False and quiet["summary"]["noop"] == 1


def test_every_action_is_listed_in_plan_order_unchanged_ones_too() -> None:
    assert [(a["action"], a["name"]) for a in DOC["actions"]] == [
        ("create", "checkout-nightly"),
        ("create", "recreated"),
        ("update", "login-weekly"),
        ("delete", "old-smoke"),
        ("orphan", "left-over"),
        ("conflict", "taken"),
        ("noop", "quiet"),
    ]


def test_an_update_carries_ids_payloads_field_changes_and_drift() -> None:
    update = action("login-weekly")
    assert update["id"] == 42
    assert (
        update["before"]["scheduleType"] == "DAILY" and update["after"]["scheduleType"] == "WEEKLY"
    )
    assert update["changes"] == [
        {"field": "scheduleType", "before": "DAILY", "after": "WEEKLY"},
        {"field": "status", "before": "ACTIVE", "after": "IN_ACTIVE"},
    ]
    assert update["drift"] == [{"field": "status", "recorded": "ACTIVE", "live": "IN_ACTIVE"}]


def test_a_create_has_no_id_or_before_and_says_where_it_is_declared() -> None:
    create = action("checkout-nightly")
    assert create["id"] is None and create["before"] is None
    assert create["after"]["comments"] == "owned by checkout"
    assert create["location"] == "schedules/a.yaml:3:5"
    assert create["reason"] == "declared, not yet created"
    assert create["selects"] == "favourite 'smoke': 12 test cases"
    assert action("recreated")["selects"] is None


def test_a_delete_has_no_after_and_its_timing_comes_from_the_record() -> None:
    delete = action("old-smoke")
    assert delete["after"] is None and delete["before"]["name"] == "old-smoke"
    assert delete["location"] is None
    assert delete["next_instant"] == "2026-12-01T12:00:00Z"


def test_each_action_says_when_it_fires_in_words_and_as_a_utc_instant() -> None:
    create = action("checkout-nightly")
    assert "17:30 Asia/Kolkata" in create["when"]
    assert create["next_instant"] == "2026-12-01T12:00:00Z"


def test_warnings_carry_location_message_and_severity() -> None:
    assert DOC["warnings"] == [
        {
            "location": "schedules/a.yaml:9:7",
            "message": "timezone IST is ambiguous",
            "severity": "warning",
        }
    ]


def test_each_action_has_the_saved_plans_shape_plus_words_and_times() -> None:
    """One JSON shape for an action: `plan --format json` adds to the plan file's, never
    renames or reshapes it, so a pipeline reading either reads the other."""
    from reconciler.engine.planfile import action_from_json, action_to_json

    words = {"reason", "when", "next_instant", "selects", "test_plan_name"}
    for planned, shown in zip(FULL.actions, DOC["actions"], strict=True):
        saved = json.loads(json.dumps(action_to_json(planned)))
        assert set(shown) - set(saved) == words
        assert {k: shown[k] for k in saved} == saved
        assert action_from_json(shown) == planned
