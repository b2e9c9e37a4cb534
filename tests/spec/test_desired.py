"""From YAML text to the desired set: payloads, defaults, positions, errors together, hints."""

from __future__ import annotations

import pytest

from reconciler.core.errors import InputError, Location
from reconciler.spec import Source, load_desired

SCHEDULE = """\
schedules:
  - name: checkout-nightly
    executionId: 3857
    scheduleType: DAILY
    nextInterval: "2030-12-01T17:30:00"
    timezone: Asia/Kolkata
"""


def desired(*texts: str) -> object:
    return load_desired(Source(f"f{i}.yaml", t.encode()) for i, t in enumerate(texts))


def errors(*texts: str) -> list[str]:
    with pytest.raises(InputError) as raised:
        load_desired(Source(f"f{i}.yaml", t.encode()) for i, t in enumerate(texts))
    return [str(p) for p in raised.value.problems]


def test_the_payload_is_canonical_with_optional_keys_absent() -> None:
    result = load_desired([Source("f.yaml", SCHEDULE.encode())])
    (schedule,) = result.schedules
    assert schedule.name == "checkout-nightly"
    assert dict(schedule.payload) == {
        "name": "checkout-nightly",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2030-12-01T17:30:00.000",
        "timezone": "Asia/Kolkata",
        "status": "ACTIVE",
    }
    assert list(schedule.payload) == [
        "name",
        "executionId",
        "scheduleType",
        "nextInterval",
        "timezone",
        "status",
    ]


def test_full_payload_with_numeric_string_id_config_and_comments() -> None:
    text = SCHEDULE.replace("3857", '"3857"') + (
        "    executionConfig: {id: '12'}\n    status: IN_ACTIVE\n    comments: by team\n"
    )
    (schedule,) = load_desired([Source("f.yaml", text.encode())]).schedules
    assert dict(schedule.payload) == {
        "name": "checkout-nightly",
        "executionId": 3857,
        "executionConfig": {"id": 12},
        "scheduleType": "DAILY",
        "nextInterval": "2030-12-01T17:30:00.000",
        "timezone": "Asia/Kolkata",
        "status": "IN_ACTIVE",
        "comments": "by team",
    }


def test_an_instant_is_converted_to_wall_time_in_the_zone() -> None:
    text = SCHEDULE.replace('"2030-12-01T17:30:00"', "2030-12-01T12:00:00Z")
    (schedule,) = load_desired([Source("f.yaml", text.encode())]).schedules
    assert schedule.payload["nextInterval"] == "2030-12-01T17:30:00.000"


def test_defaults_merge_into_their_own_file_only_and_own_values_win() -> None:
    with_defaults = (
        "defaults:\n  timezone: UTC\n  status: IN_ACTIVE\n  comments: shared\n"
        "  executionConfig: {name: fav}\n"
        "schedules:\n"
        "  - {name: a, executionId: 1, scheduleType: DAILY, nextInterval: '2030-01-01T10:00:00'}\n"
        "  - {name: b, executionId: 2, scheduleType: DAILY, nextInterval: '2030-01-01T10:00:00',"
        " timezone: Asia/Tokyo, status: ACTIVE, comments: own, executionConfig: {id: 5}}\n"
        "runs:\n  - {name: r, executionId: 3}\n"
    )
    other = "schedules:\n  - {name: c, executionId: 3, scheduleType: DAILY,"
    other += " nextInterval: '2030-01-01T10:00:00'}\n"
    assert errors(with_defaults, other) == [
        "f1.yaml:2:5: error: `timezone` is required: set it here or under `defaults`"
    ]
    result = load_desired([Source("f0.yaml", with_defaults.encode())])
    a, b = result.schedules
    assert (a.payload["timezone"], a.payload["status"], a.payload["comments"]) == (
        "UTC",
        "IN_ACTIVE",
        "shared",
    )
    assert a.payload["executionConfig"] == {"name": "fav"}
    assert (b.payload["timezone"], b.payload["status"], b.payload["comments"]) == (
        "Asia/Tokyo",
        "ACTIVE",
        "own",
    )
    assert b.payload["executionConfig"] == {"id": 5}
    assert dict(result.runs[0].body) == {"executionId": 3, "executionConfig": {"name": "fav"}}


def test_locations_point_at_the_item_and_each_key_inherited_ones_into_defaults() -> None:
    text = "defaults:\n  timezone: UTC\n" + SCHEDULE.replace("    timezone: Asia/Kolkata\n", "")
    (schedule,) = load_desired([Source("f.yaml", text.encode())]).schedules
    assert schedule.location == Location("f.yaml", 4, 5)
    assert schedule.location_of("scheduleType") == Location("f.yaml", 6, 5)
    assert schedule.location_of("timezone") == Location("f.yaml", 2, 3)
    assert schedule.location_of("comments") == schedule.location


def test_runs_carry_their_body() -> None:
    text = (
        "runs:\n  - name: smoke\n    executionId: '3857'\n    executionConfig: {name: smoke only}\n"
        "    environmentId: 10\n    buildNo: '1.9.26'\n    runtimeData: {branch: main}\n"
    )
    (run,) = load_desired([Source("f.yaml", text.encode())]).runs
    assert run.name == "smoke"
    assert run.location == Location("f.yaml", 2, 5)
    assert dict(run.body) == {
        "executionId": 3857,
        "executionConfig": {"name": "smoke only"},
        "environmentId": 10,
        "buildNo": "1.9.26",
        "runtimeData": {"branch": "main"},
    }


def test_schedules_and_runs_are_sorted_by_name_across_files() -> None:
    first = SCHEDULE.replace("checkout-nightly", "zeta")
    second = (
        SCHEDULE.replace("checkout-nightly", "alpha") + "runs:\n  - {name: y, executionId: 1}\n"
    )
    third = "runs:\n  - {name: b, executionId: 1}\n"
    result = load_desired(
        Source(f"f{i}.yaml", t.encode()) for i, t in enumerate((first, second, third))
    )
    assert [s.name for s in result.schedules] == ["alpha", "zeta"]
    assert [r.name for r in result.runs] == ["b", "y"]


def test_every_problem_of_every_file_is_reported_together_in_place_order() -> None:
    broken = SCHEDULE.replace("DAILY", "DAYLY").replace("Asia/Kolkata", "Mars/Olympus")
    broken += "  - name: second\n    executionId: 0\n    scheduleTyp: DAILY\n"
    found = errors(broken, "- not a mapping\n", "a: [1\n")
    assert [line.split(": error: ")[0] for line in found] == [
        "f0.yaml:4:19",
        "f0.yaml:6:15",
        "f0.yaml:7:5",
        "f0.yaml:7:5",
        "f0.yaml:8:18",
        "f0.yaml:9:5",
        "f1.yaml:1:1",
        "f2.yaml:2:1",
    ]
    assert 'got "DAYLY"; did you mean DAILY?' in found[0]
    assert "Mars/Olympus" in found[1]
    assert "`nextInterval` is required" in found[2]
    assert "`timezone` is required" in found[3]
    assert "did you mean `scheduleType`?" in found[5]


def test_a_bad_default_is_reported_once_not_per_schedule() -> None:
    text = "defaults:\n  timezone: Nowhere/City\nschedules:\n" + "".join(
        f"  - {{name: s{i}, executionId: 1, scheduleType: DAILY,"
        f" nextInterval: '2030-01-01T10:00:00'}}\n"
        for i in range(3)
    )
    (problem,) = errors(text)
    assert problem.startswith("f0.yaml:2:13: error: ")


def test_unknown_keys_get_a_hint_when_close_and_the_list_otherwise() -> None:
    found = errors(
        SCHEDULE.replace("executionId", "executionID") + "    owner: me\n"
        "defaults: {timezon: UTC}\nrunz: []\n"
    )
    assert any("`executionID`" in f and "did you mean `executionId`?" in f for f in found)
    assert not any("`executionId` is required" in f for f in found)
    assert any("`owner`" in f and "expected one of: name, executionId" in f for f in found)
    assert any("`timezon` in `defaults`; did you mean `timezone`?" in f for f in found)
    assert any("`runz` in the top level; did you mean `runs`?" in f for f in found)


def test_a_fixed_offset_zone_gives_a_warning_not_an_error() -> None:
    text = SCHEDULE.replace("Asia/Kolkata", "EST")
    result = load_desired([Source("f.yaml", text.encode())])
    (warning,) = result.warnings
    assert warning.severity == "warning"
    assert warning.location == Location("f.yaml", 6, 15)
    assert result.schedules[0].payload["timezone"] == "EST"


def test_empty_files_declare_nothing_and_empty_lists_are_fine() -> None:
    result = desired("", "# nothing\n", "schedules: []\nruns:\n")
    assert result == load_desired([])


def test_problem_messages_never_leak_pydantic_wording() -> None:
    found = errors(
        "version: '1'\nschedules:\n  - name: [x]\n    executionId: 1.5\n"
        "    scheduleType: 3\n    nextInterval: 20301201\n    timezone: UTC\n"
        "    executionConfig: smoke\n    status: ~\nruns: {a: 1}\n"
    )
    text = "\n".join(found)
    for leaked in ("Input should", "pydantic", "errors.pydantic.dev", "[type="):
        assert leaked not in text
    assert len(found) == 7


def test_the_garbage_collector_is_back_on_after_a_load_even_a_failed_one() -> None:
    import gc

    assert gc.isenabled()
    load_desired([Source("ok.yaml", b"schedules: []\n")])
    assert gc.isenabled()
    with pytest.raises(InputError):
        load_desired([Source("bad.yaml", b"schedules: [1\n")])
    assert gc.isenabled()


DEFAULTS_WITH_FAVOURITE = """\
defaults:
  timezone: Asia/Kolkata
  status: IN_ACTIVE
  executionConfig: {name: fav_config_name}
  comments: "owned by team checkout"
schedules:
  - name: full-run
    executionId: 3857
    scheduleType: DAILY
    nextInterval: "2030-12-01T17:30:00"
    executionConfig: null
    comments: null
    status: null
  - name: partial-run
    executionId: 3857
    scheduleType: DAILY
    nextInterval: "2030-12-01T17:30:00"
runs:
  - {name: full, executionId: 3857, executionConfig: null}
  - {name: partial, executionId: 3857}
"""


def test_an_explicit_null_removes_the_default_for_that_schedule_only() -> None:
    result = load_desired([Source("f.yaml", DEFAULTS_WITH_FAVOURITE.encode())])
    full, partial = result.schedules
    assert (full.name, partial.name) == ("full-run", "partial-run")
    assert "executionConfig" not in full.payload and "comments" not in full.payload
    assert full.payload["status"] == "ACTIVE"  # null: back to the format's own default
    assert partial.payload["executionConfig"] == {"name": "fav_config_name"}
    assert partial.payload["comments"] == "owned by team checkout"
    assert partial.payload["status"] == "IN_ACTIVE"
    runs = {r.name: r.body for r in result.runs}
    assert "executionConfig" not in runs["full"]
    assert runs["partial"]["executionConfig"] == {"name": "fav_config_name"}


def test_an_empty_execution_config_is_an_error_pointing_at_null() -> None:
    text = DEFAULTS_WITH_FAVOURITE.replace("executionConfig: null\n", "executionConfig: {}\n")
    (problem,) = errors(text)
    assert problem.startswith("f0.yaml:11:22:")
    assert "`executionConfig: null`" in problem


def test_a_null_timezone_removes_the_default_and_says_so() -> None:
    text = DEFAULTS_WITH_FAVOURITE.replace("    status: null\n", "    timezone: null\n")
    (problem,) = errors(text)
    assert problem == (
        "f0.yaml:7:5: error: `timezone: null` removes the default, but a schedule needs one"
    )


def test_top_level_x_keys_hold_anchors_and_are_otherwise_ignored() -> None:
    text = """\
x-nightly: &nightly
  executionId: 3857
  scheduleType: DAILY
  nextInterval: "2030-12-01T17:30:00"
  timezone: Asia/Kolkata
x-notes: anything at all, [1, 2]
schedules:
  - <<: *nightly
    name: a
  - <<: *nightly
    name: b
    timezone: UTC
"""
    a, b = load_desired([Source("f.yaml", text.encode())]).schedules
    assert a.payload["timezone"] == "Asia/Kolkata" and b.payload["timezone"] == "UTC"
    assert a.payload["executionId"] == b.payload["executionId"] == 3857


def test_an_unknown_top_level_key_mentions_x_keys() -> None:
    (problem,) = errors("nightly: &n {}\n" + SCHEDULE)
    assert "unknown key `nightly`" in problem and "starting with `x-`" in problem


def test_a_test_plan_given_by_name_is_carried_for_the_shell_to_resolve() -> None:
    text = SCHEDULE.replace("executionId: 3857", "testPlan: Checkout regression") + (
        "runs:\n  - {name: smoke, testPlan: Smoke suite}\n"
    )
    result = load_desired([Source("f.yaml", text.encode())])
    (schedule,), (run,) = result.schedules, result.runs
    assert schedule.test_plan == "Checkout regression" and "executionId" not in schedule.payload
    assert run.test_plan == "Smoke suite" and "executionId" not in run.body


def test_a_runs_keys_point_where_written_inherited_ones_into_defaults() -> None:
    text = "defaults:\n  executionConfig: {name: fav}\nruns:\n  - name: smoke\n    executionId: 1\n"
    (run,) = load_desired([Source("f.yaml", text.encode())]).runs
    assert run.location_of("executionId") == Location("f.yaml", 5, 5)
    assert run.location_of("executionConfig") == Location("f.yaml", 2, 3)
    assert run.location_of("buildNo") == run.location == Location("f.yaml", 4, 5)


def test_time_problems_point_at_the_value_and_say_the_field_once() -> None:
    impossible = SCHEDULE.replace("2030-12-01T17:30:00", "2030-02-30T17:30:00")
    assert errors(impossible) == [
        'f0.yaml:5:19: error: nextInterval "2030-02-30T17:30:00": 2030-02-30 is not a date '
        "(February 2030 has 28 days)"
    ]
    unknown = errors(SCHEDULE.replace("Asia/Kolkata", "Asia/Kolkatta"))
    assert [p[:70] for p in unknown] == [
        'f0.yaml:6:15: error: timezone: unknown timezone "Asia/Kolkatta" (did y'
    ]


def test_a_time_that_happens_twice_is_a_warning_at_the_value() -> None:
    text = SCHEDULE.replace("2030-12-01T17:30:00", "2030-11-03T01:30:00").replace(
        "Asia/Kolkata", "America/New_York"
    )
    result = load_desired([Source("f.yaml", text.encode())])
    (warning,) = result.warnings
    assert (warning.location, warning.severity) == (Location("f.yaml", 5, 19), "warning")
    assert warning.message.startswith("nextInterval 2030-11-03T01:30 happens twice in America/")
    assert result.schedules[0].payload["nextInterval"] == "2030-11-03T01:30:00.000"


def test_a_fixed_offset_warning_is_worded_once_without_a_repeated_field() -> None:
    (warning,) = load_desired(
        [Source("f.yaml", SCHEDULE.replace("Asia/Kolkata", "EST").encode())]
    ).warnings
    assert warning.message.startswith('timezone "EST" is a fixed offset of UTC-05:00')


def test_a_schedule_with_other_errors_still_has_its_time_checked_once() -> None:
    no_plan = SCHEDULE.replace("    executionId: 3857\n", "")
    impossible = errors(no_plan.replace("2030-12-01T17:30:00", "2030-02-30T17:30:00"))
    assert len(impossible) == 2
    assert impossible[1].startswith('f0.yaml:4:19: error: nextInterval "2030-02-30T17:30:00": ')
    malformed = errors(no_plan.replace("2030-12-01T17:30:00", "2030-02-30 5pm"))
    assert malformed == [
        "f0.yaml:4:19: error: nextInterval: expected a date and time like 2026-12-01T17:30:00 "
        '(optionally with Z or +05:30), got "2030-02-30 5pm"'
    ]


def test_a_file_with_an_error_still_has_its_valid_items_checked_across_files() -> None:
    """Valid schedules, runs and moves of a broken file still take part in every check."""
    broken = """\
defaults: {timezone: UTC}
schedules:
  - {name: broken, executionId: 1, nextInterval: "2030-01-01T10:00:00"}
  - {name: a, executionId: 1, scheduleType: DAILY, nextInterval: "2030-02-30T10:00:00"}
  - {name: b, executionId: 1, scheduleType: DAILY, nextInterval: "2030-01-01T10:00:00"}
runs:
  - {name: broken, executionId: 1, owner: me}
  - {name: r, executionId: 1}
moved:
  - {from: old, to: nowhere}
  - {from: older, to: b}
"""
    other = "runs:\n  - {name: r, executionId: 2}\n" + SCHEDULE.replace("checkout-nightly", "b")
    found = errors(broken, other)
    assert found[0].startswith("f0.yaml:3:5: error: ") and "`scheduleType` is required" in found[0]
    assert found[1].startswith('f0.yaml:4:66: error: nextInterval "2030-02-30T10:00:00"')
    assert found[2].startswith("f0.yaml:7:36: error: unknown key `owner` in a run")
    assert found[3:] == [
        "f1.yaml:4:5: error: duplicate schedule name `b`: also declared at f0.yaml:5:5",
        "f1.yaml:2:5: error: duplicate run name `r`: also declared at f0.yaml:8:5",
        "f0.yaml:10:21: error: moved: `to: nowhere` names no declared schedule",
    ]


def test_a_bad_default_is_reported_instead_of_each_schedule_missing_it() -> None:
    text = "defaults: {timezone: 5}\n" + SCHEDULE.replace("    timezone: Asia/Kolkata\n", "")
    assert errors(text) == [
        "f0.yaml:1:22: error: defaults.timezone: expected text, got the number 5; put it in quotes"
    ]


def test_a_file_declaring_nothing_known_asks_whether_it_is_the_right_file() -> None:
    assert errors("version: 1\n") == [
        "f0.yaml:1:1: error: this file has neither `schedules:` nor `runs:`; is it the right file?"
    ]
