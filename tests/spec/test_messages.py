"""How each kind of validation error is worded, and where it points (messages.py)."""

from __future__ import annotations

import pytest

from reconciler.core.errors import InputError
from reconciler.spec import Source, load_desired

SCHEDULE = """\
schedules:
  - name: checkout-nightly
    executionId: 3857
    scheduleType: DAILY
    nextInterval: "2030-12-01T17:30:00"
    timezone: Asia/Kolkata
"""
TYPES = "ONCE, HOURLY, DAILY, WEEKLY, BIWEEKLY, MONTHLY, YEARLY"
SCHEDULE_KEYS = (
    "name, executionId, testPlan, executionConfig, scheduleType, nextInterval, timezone, "
    "status, comments"
)


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as raised:
        load_desired([Source("f.yaml", text.encode())])
    return [str(p) for p in raised.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "scheduleType: DAILY",
            "scheduleType: null",
            f"f.yaml:4:19: error: scheduleType: expected one of {TYPES}, got nothing (null)",
        ),
        (
            "scheduleType: DAILY",
            "scheduleType: SOMETIMES",
            f'f.yaml:4:19: error: scheduleType: expected one of {TYPES}, got "SOMETIMES"',
        ),
        (
            "name: checkout-nightly",
            "name: 123",
            "f.yaml:2:11: error: name: expected text, got the number 123; put it in quotes",
        ),
        (
            "name: checkout-nightly",
            "name: [a]",
            "f.yaml:2:11: error: name: expected text, got a list",
        ),
        (
            "executionId: 3857",
            "executionId: true",
            "f.yaml:3:18: error: executionId: expected a positive whole number, got true",
        ),
        (
            "executionId: 3857",
            "executionId: 1.5",
            "f.yaml:3:18: error: executionId: expected a positive whole number, got the number 1.5",
        ),
    ],
)
def test_each_kind_of_wrong_value_says_what_was_expected_and_found(
    old: str, new: str, problem: str
) -> None:
    """No hint when nothing is close (null is not ONCE), a quote hint only for numbers."""
    assert problems(SCHEDULE.replace(old, new)) == [problem]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            SCHEDULE + "    executionConfig: smoke\n",
            "f.yaml:7:22: error: executionConfig: expected a mapping (key: value lines), "
            'got "smoke"',
        ),
        (
            "defaults: 5\n" + SCHEDULE,
            "f.yaml:1:11: error: defaults: expected a mapping (key: value lines), got the number 5",
        ),
        (
            "runs:\n  - {name: r, executionId: 1, runtimeData: x}\n",
            'f.yaml:2:44: error: runtimeData: expected a mapping (key: value lines), got "x"',
        ),
        (
            "runs:\n  - name: r\n    executionId: 1\n    runtimeData: {"
            + ", ".join(f"k{i}: v" for i in range(201))
            + "}\n",
            "f.yaml:4:18: error: runtimeData: too many entries; at most 200",
        ),
    ],
)
def test_a_wrong_shape_says_what_shape_was_expected(text: str, problem: str) -> None:
    assert problems(text) == [problem]


def test_an_unknown_key_in_a_nested_mapping_is_checked_against_that_mapping() -> None:
    assert problems(SCHEDULE + "    executionConfig: {nam: x}\n") == [
        "f.yaml:7:23: error: unknown key `nam` in `executionConfig`; did you mean `name`?"
    ]


def test_an_unknown_key_far_from_any_lists_the_keys_and_only_the_top_level_allows_x() -> None:
    assert problems(SCHEDULE + "    zzzz: 1\n") == [
        f"f.yaml:7:5: error: unknown key `zzzz` in a schedule; expected one of: {SCHEDULE_KEYS}"
    ]
    assert problems(SCHEDULE + "zzzz: 1\n") == [
        "f.yaml:7:1: error: unknown key `zzzz` in the top level; expected one of: version, "
        "defaults, schedules, moved, runs (or a key starting with `x-`, to hold anchors)"
    ]


def test_a_schedule_naming_its_test_plan_twice_or_not_at_all_says_which() -> None:
    both = SCHEDULE.replace("    executionId: 3857\n", "    executionId: 3857\n    testPlan: C\n")
    assert problems(both) == [
        "f.yaml:2:5: error: each item of `schedules`: give either `executionId` or `testPlan`, "
        "not both"
    ]
    neither = SCHEDULE.replace("    executionId: 3857\n", "")
    assert problems(neither) == [
        "f.yaml:2:5: error: each item of `schedules`: `executionId` is required (or `testPlan`, "
        "the test plan's name)"
    ]


def test_a_character_outside_the_bmp_is_refused_from_the_first_one() -> None:
    (problem,) = problems(SCHEDULE.replace("checkout-nightly", '"a\U00010000"'))
    assert problem.startswith("f.yaml:2:11: error: name: contains '\U00010000' (U+10000)")


def test_an_error_without_its_own_wording_still_names_the_field_and_the_value() -> None:
    big = "1" + "0" * 30
    (problem,) = problems(f"version: {big}\n" + SCHEDULE)
    assert problem.startswith("f.yaml:1:10: error: version: unable to parse ")
    assert problem.endswith(f", got the number {big}")


def test_a_problem_with_a_key_of_runtime_data_points_at_the_key() -> None:
    run = "runs:\n  - name: r\n    executionId: 1\n    runtimeData:\n"
    (empty,) = problems(run + "      '': v\n")
    assert empty.startswith("f.yaml:5:7: error: ") and empty.endswith(": must not be empty")
    (long,) = problems(run + "      " + "k" * 256 + ": v\n")
    assert long.startswith("f.yaml:5:7: error: ")
    assert long.endswith(": too long (256 characters); at most 255")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("false", "false"),
        ("true", "true"),
        ("{a: 1}", "a mapping"),
        ("TÄGLICH", '"TÄGLICH"'),  # as written, not escaped
        ("A" * 60, '"' + "A" * 60 + '"'),
        ("A" * 61, '"' + "A" * 57 + '..." (61 characters)'),
        ("Ä" * 70, '"' + "Ä" * 57 + '..." (70 characters)'),
    ],
)
def test_the_value_found_is_shown_as_written_and_long_text_is_cut(written: str, shown: str) -> None:
    (problem,) = problems(SCHEDULE.replace("scheduleType: DAILY", f"scheduleType: {written}"))
    assert problem == f"f.yaml:4:19: error: scheduleType: expected one of {TYPES}, got {shown}"
