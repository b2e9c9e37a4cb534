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


def test_nested_changes_sort_by_their_top_level_field_and_unknown_fields_last() -> None:
    before = {**BASE, "executionConfig": {"name": "fav", "deep": {"x": 1}}}
    after = {
        **BASE,
        "executionConfig": {"name": "other", "deep": {"x": 2}},
        "status": "IN_ACTIVE",
        "name": "b",
        "zextra": 1,
    }
    assert [c.field for c in field_changes(before, after)] == [
        "name",
        "executionConfig.deep.x",
        "executionConfig.name",
        "status",
        "zextra",
    ]


def test_reordering_a_list_is_a_change() -> None:
    before = {**BASE, "executionConfig": {"ids": [1, 2]}}
    after = {**BASE, "executionConfig": {"ids": [2, 1]}}
    assert field_changes(before, after) == (
        FieldChange("executionConfig.ids.0", 1, 2),
        FieldChange("executionConfig.ids.1", 2, 1),
    )


def test_an_item_added_to_or_removed_from_a_list_shows_the_whole_list() -> None:
    short = {**BASE, "executionConfig": {"ids": [1]}}
    long = {**BASE, "executionConfig": {"ids": [1, 2]}}
    assert field_changes(short, long) == (FieldChange("executionConfig.ids", [1], [1, 2]),)
    assert field_changes(long, short) == (FieldChange("executionConfig.ids", [1, 2], [1]),)


def test_a_list_that_appears_is_added_whole() -> None:
    after = {**BASE, "executionConfig": {"ids": [7]}}
    assert field_changes(BASE, after) == (FieldChange("executionConfig", None, {"ids": [7]}),)


def test_plain_values_read_as_running_text() -> None:
    from reconciler.engine.diff import plain

    assert plain(None) == "(none)"
    assert plain("ACTIVE") == "ACTIVE"
    assert plain("") == ""
    assert plain(3857) == "3857"
    assert plain({"name": "fäv", "a": 1}) == '{"a": 1, "name": "fäv"}'
    assert plain([1, "x"]) == '[1, "x"]'


def test_values_are_looked_up_by_dotted_path_or_missing() -> None:
    from reconciler.engine.diff import _get

    payload = {"name": "abc", "executionConfig": {"ids": [10, 20]}}
    assert _get(payload, "executionConfig.ids") == [10, 20]
    assert _get(payload, "executionConfig.ids.1") == 20
    assert _get(payload, "executionConfig.ids.2") is None
    assert _get(payload, "executionConfig.ids.x") is None
    assert _get(payload, "name.a") is None
    assert _get(payload, "nothing") is None
