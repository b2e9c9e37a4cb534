"""Favourites in plain words: what a reviewer reads in a plan (engine/favourites.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.engine.favourites import describe_favourite

#: The sandbox's first seeded favourite, as `GET /saved_execution_configs` returns it.
SEEDED = {
    "id": 201,
    "name": "fav_config_name",
    "query": '[{"key":"suiteId","value":[132,130],"operation":"NOT_IN"}]',
    "executionConfigCondition": "EXCLUDED",
}


def fav(query: Any, condition: Any = None) -> dict[str, Any]:
    text = query if isinstance(query, str) else json.dumps(query)
    config: dict[str, Any] = {"id": 1, "name": "f", "query": text}
    if condition is not None:
        config["executionConfigCondition"] = condition
    return config


@pytest.mark.parametrize(
    ("query", "condition", "expected"),
    [
        (
            [{"key": "suiteId", "value": [114], "operation": "NOT_IN"}],
            "EXCLUDED",
            ("excludes suites 114"),
        ),
        (
            [
                {"key": "suiteId", "value": [132, 130], "operation": "IN"},
                {"key": "assignee", "value": [9], "operation": "NOT_IN"},
            ],
            "INCLUDED",
            "includes suites 132, 130; assignee not 9",
        ),
        (
            [
                {"key": "reviewedBy", "value": [7], "operation": "IN"},
                {"key": "suiteId", "value": [101, 132], "operation": "IN"},
            ],
            "INCLUDED",
            "reviewed by 7; includes suites 101, 132",
        ),
        ([{"key": "reviewedBy", "value": [7], "operation": "NOT_IN"}], None, "not reviewed by 7"),
        ([{"key": "assignee", "value": 9, "operation": "IN"}], None, "assignee 9"),
        ([], "INCLUDED", "the whole test plan (no filters)"),
        (
            [{"key": "priority", "value": ["HIGH"], "operation": "GT"}],
            None,
            "priority GT HIGH",
        ),
        (
            [{"key": "suiteId", "value": [1], "operation": "BETWEEN"}],
            None,
            "suites BETWEEN 1",
        ),
        (
            [{"key": "suiteId", "value": [5], "operation": "IN"}],
            "EXCLUDED",
            "includes suites 5; condition EXCLUDED",
        ),
        (
            [{"key": "suiteId", "value": [5], "operation": "IN"}],
            "SOMETIMES",
            ('includes suites 5; condition "SOMETIMES"'),
        ),
        (
            ["odd", {"key": "suiteId", "value": [2], "operation": "IN"}],
            None,
            ('"odd"; includes suites 2'),
        ),
        (
            [{"key": "suiteId", "value": list(range(1, 14)), "operation": "IN"}],
            None,
            "includes suites 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 3 more",
        ),
    ],
)
def test_describe_favourite(query: Any, condition: Any, expected: str) -> None:
    assert describe_favourite(fav(query, condition)) == expected


def test_describe_favourite_reads_the_seeded_example() -> None:
    assert describe_favourite(SEEDED) == "excludes suites 132, 130"


@pytest.mark.parametrize(
    ("config", "expected_start"),
    [
        (fav("[{not json"), "selection unreadable: query is not JSON ("),
        (fav('{"key": "suiteId"}'), 'selection unreadable: query is not a list: {"key"'),
        (fav("42"), "selection unreadable: query is not a list: 42"),
    ],
)
def test_describe_favourite_on_garbage_says_it_cannot_read_it(
    config: dict[str, Any], expected_start: str
) -> None:
    assert describe_favourite(config).startswith(expected_start)


def test_describe_favourite_without_a_query_is_the_whole_plan() -> None:
    assert describe_favourite({"id": 1, "name": "f"}) == "the whole test plan (no filters)"


def test_a_condition_is_added_only_when_it_contradicts_the_suite_terms() -> None:
    excluded = [{"key": "suiteId", "value": [1], "operation": "NOT_IN"}]
    included = [{"key": "suiteId", "value": [1], "operation": "IN"}]
    assert describe_favourite(fav(excluded, "INCLUDED")) == "excludes suites 1; condition INCLUDED"
    assert describe_favourite(fav(included, "EXCLUDED")) == "includes suites 1; condition EXCLUDED"
    assert describe_favourite(fav(included + excluded, "INCLUDED")) == (
        "includes suites 1; excludes suites 1"
    )
    assert describe_favourite(fav(included + excluded, "EXCLUDED")) == (
        "includes suites 1; excludes suites 1"
    )


def test_only_assignee_terms_read_as_assignee() -> None:
    term = {"key": "status", "value": ["READY"], "operation": "IN"}
    assert describe_favourite(fav([term])) == "status IN READY"
    odd = {"key": 5, "value": 1, "operation": 7}
    assert describe_favourite(fav([odd])) == "5 7 1"
    assert describe_favourite({"query": [term]}) == "status IN READY"  # already decoded


def test_long_lists_and_raw_text_are_cut_where_a_reviewer_still_reads_them() -> None:
    assert describe_favourite(
        fav([{"key": "suiteId", "value": list(range(11)), "operation": "IN"}])
    ) == ("includes suites 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 1 more")
    assert describe_favourite(
        fav([{"key": "suiteId", "value": list(range(10)), "operation": "IN"}])
    ) == ("includes suites 0, 1, 2, 3, 4, 5, 6, 7, 8, 9")
    assert describe_favourite(fav(["x" * 78])) == '"' + "x" * 78 + '"'  # 80 characters
    assert describe_favourite(fav(["x" * 79])) == '"' + "x" * 79 + "..."
    assert describe_favourite({"query": "[1,\n   2"}).endswith(": [1, 2")
    assert describe_favourite({"query": "   "}) == "the whole test plan (no filters)"
