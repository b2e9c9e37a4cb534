"""build_export (pure): one document per test plan, defaults factored, duplicates reported."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.core.model import LiveSchedule
from reconciler.engine.export import as_one_document, build_export, instant_text, slug

PLANS = [{"id": 1, "name": "Checkout / EU"}, {"id": 2, "name": "Smoke"}, {"id": 3, "name": "Smoke"}]


def live(ident: int, name: str, plan: int = 1, **over: Any) -> LiveSchedule:
    item = LiveSchedule(
        id=ident,
        name=name,
        execution_id=plan,
        schedule_type="DAILY",
        status="ACTIVE",
        comments=None,
        next_ms=1_804_000_000_000 + ident,
    )
    return replace(item, **over)


def test_files_are_named_after_slugged_plans_and_same_names_get_the_id() -> None:
    export = build_export([live(1, "a"), live(2, "b", 2), live(3, "c", 3), live(4, "d", 9)], PLANS)
    assert [f.filename for f in export.files] == [
        "checkout-eu.yaml",
        "smoke-2.yaml",
        "smoke-3.yaml",
        "test-plan-9.yaml",
    ]
    assert slug("  ~~~ ") == ""


def test_defaults_are_factored_only_where_every_schedule_agrees() -> None:
    export = build_export(
        [
            live(1, "b", comments="team", status="IN_ACTIVE"),
            live(2, "a", comments="team", status="IN_ACTIVE"),
            live(3, "c", 2, comments="x"),
            live(4, "d", 2),
        ],
        PLANS,
    )
    first, second = export.files
    assert dict(first.defaults) == {"timezone": "UTC", "status": "IN_ACTIVE", "comments": "team"}
    assert [s.entry["name"] for s in first.schedules] == ["a", "b"]  # sorted by name
    assert "status" not in first.schedules[0].entry and "comments" not in first.schedules[0].entry
    assert dict(second.defaults) == {"timezone": "UTC"}  # ACTIVE is the default: written nowhere
    assert second.schedules[0].entry["comments"] == "x"
    assert "status" not in second.schedules[1].entry


def test_instants_keep_milliseconds_only_when_there_are_some() -> None:
    assert instant_text(1_804_000_000_000) == "2027-03-02T15:06:40Z"
    assert instant_text(1_804_000_000_250) == "2027-03-02T15:06:40.250Z"


def test_a_name_held_twice_exports_the_lowest_id_and_names_the_others() -> None:
    export = build_export([live(9, "dup"), live(5, "dup"), live(7, "dup")], PLANS)
    (schedule,) = export.schedules
    assert (schedule.id, schedule.same_name) == (5, (7, 9))
    assert export.need_a_look == 1


def test_unreadable_items_are_reported_not_exported() -> None:
    export = build_export(
        [live(1, "ok"), live(3, "x", next_ms=None), live(4, " ")], PLANS, unreadable=["bad"]
    )
    assert [s.id for s in export.schedules] == [1]
    assert len(export.unreadable) == 3


def test_one_document_holds_every_schedule_sorted_by_name() -> None:
    export = build_export(
        [live(1, "b", comments="t"), live(2, "a", 2), live(3, "c", comments="t")], PLANS
    )
    merged = as_one_document(export)
    assert [s.entry["name"] for s in merged.schedules] == ["a", "b", "c"]
    assert merged.schedules[1].entry["comments"] == "t"  # un-factored from its own file
    assert dict(merged.defaults) == {"timezone": "UTC"}


def test_one_document_keeps_every_field_in_order_and_what_each_schedule_is_known_by() -> None:
    export = build_export(
        [
            live(1, "b", comments="t", status="IN_ACTIVE"),
            live(3, "c", comments="t", status="IN_ACTIVE"),
            live(2, "a", 2),
            live(4, "a", 3),
        ],
        PLANS,
    )
    merged = as_one_document(export)
    assert (merged.filename, merged.title) == ("-", "every test plan")
    a, b, c = merged.schedules
    assert list(b.entry.items()) == [
        ("name", "b"),
        ("executionId", 1),
        ("scheduleType", "DAILY"),
        ("nextInterval", instant_text(1_804_000_000_001)),
        ("status", "IN_ACTIVE"),
        ("comments", "t"),
    ]
    assert list(a.entry) == ["name", "executionId", "scheduleType", "nextInterval"]
    assert (a.id, a.test_plan, a.same_name) == (2, "Smoke", (4,))
    assert (b.test_plan, c.test_plan) == ("Checkout / EU", "Checkout / EU")
    assert [s.unknown for s in merged.schedules] == [s.unknown for s in export.schedules]


def test_each_entry_holds_exactly_what_the_yaml_declares_and_files_name_their_plan() -> None:
    export = build_export(
        [live(1, "a", comments="team"), live(2, "b", 9, status=None)],
        [*PLANS, {"id": 9}],
    )
    first, second = export.files
    (a,) = first.schedules
    assert dict(a.entry) == {
        "name": "a",
        "executionId": 1,
        "scheduleType": "DAILY",
        "nextInterval": instant_text(1_804_000_000_001),
        "comments": "team",  # one schedule: nothing is factored but the zone
    }
    assert (a.test_plan, first.title) == (
        "Checkout / EU",
        'test plan "Checkout / EU" (executionId 1)',
    )
    (b,) = second.schedules
    assert "status" not in b.entry and "status" not in second.defaults  # no status: ACTIVE
    assert (b.test_plan, second.filename) == ("", "test-plan-9.yaml")
    assert second.title == "test plan 9 (not among the account's test plans)"
    assert a.unknown == b.unknown and a.unknown  # the fields the server never returns


def test_a_paused_schedule_keeps_its_status_beside_active_ones() -> None:
    export = build_export([live(1, "a"), live(2, "b", status="IN_ACTIVE")], PLANS)
    a, b = export.files[0].schedules
    assert "status" not in a.entry and b.entry["status"] == "IN_ACTIVE"


def test_every_unusable_item_is_named_and_the_rest_still_exported() -> None:
    export = build_export(
        [
            live(3, " "),
            live(4, "x", execution_id=None),
            live(5, "y", schedule_type=None),
            live(6, "z", next_ms=None),
            live(1, "ok"),
        ],
        PLANS,
        unreadable=["item 2: not an object"],
    )
    assert [s.id for s in export.schedules] == [1]
    assert export.unreadable == (
        "item 2: not an object",
        "id 3: no usable name",
        "id 4 ('x'): no nextInterval, executionId or scheduleType",
        "id 5 ('y'): no nextInterval, executionId or scheduleType",
        "id 6 ('z'): no nextInterval, executionId or scheduleType",
    )


def test_test_plans_with_unusable_ids_name_no_file() -> None:
    plans = [{"id": 0, "name": "Zero"}, {"id": True, "name": "Bool"}, {"id": "2", "name": "Two"}]
    export = build_export([live(1, "a", 1), live(2, "b", 2), live(3, "c", 0)], plans)
    assert [f.filename for f in export.files] == [
        "test-plan-0.yaml",
        "test-plan-1.yaml",
        "two.yaml",
    ]
