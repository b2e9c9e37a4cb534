"""Preflight checks against the account, plan names, and favourites in plain words (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.core.errors import Location
from reconciler.core.model import DesiredRun, DesiredSchedule, DesiredSet
from reconciler.engine.preflight import (
    TestPlanNameError,
    check_account,
    find_favourite,
    resolve_test_plan_name,
)

PLANS: list[dict[str, Any]] = [
    {"id": 3857, "name": "Checkout regression", "applicationVersionId": 11},
    {"id": 3858, "name": "Smoke", "applicationVersionId": 11},
    {"id": 3859, "name": "Smoke", "applicationVersionId": 12},
    {"id": 3860, "name": "Payments API", "applicationVersionId": 11},
]
CONFIGS: list[dict[str, Any]] = [
    {
        "id": 201,
        "name": "fav_config_name",
        "query": '[{"key":"suiteId","value":[132,130],"operation":"NOT_IN"}]',
        "executionConfigCondition": "EXCLUDED",
    },
    {
        "id": 202,
        "name": "smoke only",
        "query": '[{"key":"suiteId","value":[101],"operation":"IN"}]',
        "executionConfigCondition": "INCLUDED",
    },
]


def loc(line: int) -> Location:
    return Location("team.yaml", line, 5)


def a_schedule(name: str, line: int, **payload: Any) -> DesiredSchedule:
    body = {"name": name, "executionId": 3857, **payload}
    return DesiredSchedule(
        name=name,
        payload=body,
        location=loc(line),
        field_locations={
            "executionId": loc(line + 1),
            "executionConfig": loc(line + 2),
            "executionConfig.name": Location("team.yaml", line + 3, 7),
        },
    )


def a_run(name: str, line: int, **body: Any) -> DesiredRun:
    return DesiredRun(
        name=name,
        body={"executionId": 3857, **body},
        location=loc(line),
        field_locations={"executionId": loc(line + 1)},
    )


def test_references_the_account_has_raise_no_problem() -> None:
    desired = DesiredSet(
        schedules=(
            a_schedule("a", 1, executionConfig={"name": "smoke only"}),
            a_schedule("b", 10, executionId="3860", executionConfig={"id": 201}),
        ),
        runs=(a_run("r", 20, executionConfig={"id": "202"}),),
    )
    assert check_account(desired, PLANS, CONFIGS) == []


def test_an_unknown_test_plan_is_located_at_its_execution_id_with_a_hint() -> None:
    desired = DesiredSet(schedules=(a_schedule("nightly", 4, executionId=3875),))
    [problem] = check_account(desired, PLANS, CONFIGS)
    assert problem.location == loc(5)
    assert problem.severity == "error"
    assert "schedule 'nightly'" in problem.message
    assert "executionId 3875 is not a test plan of this account" in problem.message
    assert "did you mean 3857 ('Checkout regression')?" in problem.message


def test_an_unknown_test_plan_with_nothing_close_lists_the_plans() -> None:
    desired = DesiredSet(runs=(a_run("smoke-on-merge", 30, executionId=1),))
    [problem] = check_account(desired, PLANS, CONFIGS)
    assert problem.location == loc(31)
    assert "run 'smoke-on-merge'" in problem.message
    assert "test plans of this account: 3857 'Checkout regression', 3858 'Smoke'" in (
        problem.message
    )


def test_an_unknown_favourite_by_name_points_at_the_name_and_suggests() -> None:
    desired = DesiredSet(schedules=(a_schedule("s", 1, executionConfig={"name": "smoke-only"}),))
    [problem] = check_account(desired, PLANS, CONFIGS)
    assert problem.location == Location("team.yaml", 4, 7)
    assert "no saved favourite is named 'smoke-only'; did you mean 'smoke only'?" in (
        problem.message
    )


def test_a_favourite_name_differing_only_in_case_is_suggested() -> None:
    desired = DesiredSet(schedules=(a_schedule("s", 1, executionConfig={"name": "SMOKE ONLY"}),))
    [problem] = check_account(desired, PLANS, CONFIGS)
    assert "did you mean 'smoke only'?" in problem.message


def test_an_unknown_favourite_by_id_lists_the_favourites() -> None:
    desired = DesiredSet(schedules=(a_schedule("s", 1, executionConfig={"id": 999}),))
    [problem] = check_account(desired, PLANS, CONFIGS)
    # No `executionConfig.id` location is known: the executionConfig key is used.
    assert problem.location == loc(3)
    assert "no saved favourite has id 999" in problem.message
    assert (
        "saved favourites of this account: 201 'fav_config_name', 202 'smoke only'"
        in problem.message
    )


def test_every_problem_is_reported_at_once_in_declaration_order() -> None:
    desired = DesiredSet(
        schedules=(
            a_schedule("one", 1, executionId=1, executionConfig={"name": "nope"}),
            a_schedule("two", 10, executionConfig={"name": "smoke only"}),
        ),
        runs=(a_run("three", 20, executionId=2),),
    )
    problems = check_account(desired, PLANS, CONFIGS)
    assert [(p.location.line, p.message.split(":")[0]) for p in problems] == [
        (2, "schedule 'one'"),
        (4, "schedule 'one'"),
        (21, "run 'three'"),
    ]


def test_an_empty_account_says_so() -> None:
    desired = DesiredSet(schedules=(a_schedule("s", 1, executionConfig={"name": "x"}),))
    messages = [p.message for p in check_account(desired, [], [])]
    assert messages == [
        "schedule 's': executionId 3857 is not a test plan of this account; "
        "this account has no test plans",
        "schedule 's': no saved favourite is named 'x'; this account has no saved favourites",
    ]


def test_find_favourite_by_name_and_by_id() -> None:
    assert find_favourite({"name": "smoke only"}, CONFIGS) is CONFIGS[1]
    assert find_favourite({"id": "201"}, CONFIGS) is CONFIGS[0]
    assert find_favourite({"id": 7}, CONFIGS) is None
    assert find_favourite({"name": "smoke only", "id": 202}, CONFIGS) is None
    assert find_favourite("smoke only", CONFIGS) is None


# --- plan names ----------------------------------------------------------------------


def test_a_unique_plan_name_resolves_to_its_id() -> None:
    assert resolve_test_plan_name("Checkout regression", PLANS) == 3857


def test_an_ambiguous_plan_name_lists_the_ids_and_versions() -> None:
    with pytest.raises(TestPlanNameError) as caught:
        resolve_test_plan_name("Smoke", PLANS)
    assert caught.value.candidates == ((3858, "Smoke"), (3859, "Smoke"))
    assert "ambiguous" in caught.value.message
    assert "3858 (application version 11), 3859 (application version 12)" in caught.value.message
    assert "use executionId instead" in caught.value.message


def test_an_unknown_plan_name_suggests_close_names() -> None:
    with pytest.raises(TestPlanNameError) as caught:
        resolve_test_plan_name("Checkout regresion", PLANS)
    assert caught.value.candidates == ((3857, "Checkout regression"),)
    assert "did you mean 'Checkout regression' (3857)?" in caught.value.message


def test_an_unknown_plan_name_with_nothing_close_lists_the_plans() -> None:
    with pytest.raises(TestPlanNameError) as caught:
        resolve_test_plan_name("zzz", PLANS)
    assert caught.value.candidates == ()
    assert "no test plan is named 'zzz'" in caught.value.message
    assert "3860 'Payments API'" in caught.value.message


def test_plan_names_match_exactly_not_by_case() -> None:
    with pytest.raises(TestPlanNameError) as caught:
        resolve_test_plan_name("checkout regression", PLANS)
    assert caught.value.candidates == ((3857, "Checkout regression"),)


@pytest.mark.parametrize(
    ("typo", "suggested"),
    [
        (3875, "3857"),
        (3850, "3857 ('Checkout regression') or 3858 ('Smoke') or 3859 ('Smoke')?"),
        (386, "3860"),
    ],
)
def test_a_mistyped_plan_id_suggests_ids_one_keystroke_away(typo: int, suggested: str) -> None:
    desired = DesiredSet(schedules=(a_schedule("s", 1, executionId=typo),))
    [problem] = check_account(desired, PLANS, CONFIGS)
    assert f"did you mean {suggested}" in problem.message
