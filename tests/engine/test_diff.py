from reconciler.core.model import FieldChange
from reconciler.engine.diff import field_changes

BASE = {
    "name": "a",
    "executionId": 1,
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
}


def test_equal_payloads_have_no_changes() -> None:
    assert field_changes(BASE, dict(BASE)) == ()


def test_changed_fields_come_in_api_order() -> None:
    after = {**BASE, "status": "IN_ACTIVE", "scheduleType": "WEEKLY"}
    assert field_changes(BASE, after) == (
        FieldChange("scheduleType", "DAILY", "WEEKLY"),
        FieldChange("status", "ACTIVE", "IN_ACTIVE"),
    )


def test_added_and_removed_optional_fields() -> None:
    before = {**BASE, "comments": "x"}
    after = {**BASE, "executionConfig": {"name": "fav"}}
    assert field_changes(before, after) == (
        FieldChange("executionConfig", None, {"name": "fav"}),
        FieldChange("comments", "x", None),
    )


def test_nested_change_has_dotted_path() -> None:
    before = {**BASE, "executionConfig": {"name": "fav"}}
    after = {**BASE, "executionConfig": {"name": "other"}}
    assert field_changes(before, after) == (FieldChange("executionConfig.name", "fav", "other"),)


def test_type_change_is_reported() -> None:
    after = {**BASE, "executionId": "1"}
    assert field_changes(BASE, after) == (FieldChange("executionId", 1, "1"),)
