"""Preflight checks against the account, plan names, and favourites in plain words (pure)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from reconciler.core.errors import InputError, Location
from reconciler.core.model import DesiredRun, DesiredSchedule, DesiredSet
from reconciler.engine.preflight import (
    TestPlanNameError,
    check_account,
    describe_favourite,
    find_favourite,
    resolve_test_plan_name,
    resolve_test_plans,
    unresolved_test_plans,
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


# --- favourites in plain words ----------------------------------------------------


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
    assert describe_favourite(CONFIGS[0]) == "excludes suites 132, 130"


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


# --- edges a reviewer or a user relies on -----------------------------------------------------


def problems_for(*schedules: DesiredSchedule, plans: Any = PLANS, configs: Any = CONFIGS) -> Any:
    return check_account(DesiredSet(schedules=tuple(schedules)), plans, configs)


def bare(name: str, **payload: Any) -> DesiredSchedule:
    """A schedule whose fields the YAML did not locate: problems point at the schedule."""
    return DesiredSchedule(name=name, payload={"name": name, **payload}, location=loc(40))


def test_problems_without_field_locations_point_at_the_entry() -> None:
    (plan_problem, fav_problem) = problems_for(
        bare("s", executionId=1, executionConfig={"name": "nope"})
    )
    assert plan_problem.location == loc(40) and fav_problem.location == loc(40)
    (run_problem,) = check_account(
        DesiredSet(runs=(DesiredRun(name="r", body={"executionId": 1}, location=loc(50)),)),
        PLANS,
        CONFIGS,
    )
    assert run_problem.location == loc(50)
    assert run_problem.message.startswith("run 'r': executionId 1 is not a test plan")


def test_an_unknown_favourite_id_is_located_at_the_id() -> None:
    where = Location("team.yaml", 9, 11)
    schedule = DesiredSchedule(
        name="s",
        payload={"name": "s", "executionId": 3857, "executionConfig": {"id": 999}},
        location=loc(1),
        field_locations={"executionConfig": loc(8), "executionConfig.id": where},
    )
    (problem,) = problems_for(schedule)
    assert problem.location == where
    assert "no saved favourite has id 999" in problem.message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (0, "executionId must be a test plan id, not 0"),
        (-3857, "executionId must be a test plan id, not -3857"),
        (None, "executionId must be a test plan id, not None"),
        (True, "executionId must be a test plan id, not True"),
        ("abc", "executionId must be a test plan id, not 'abc'"),
        ("0", "executionId must be a test plan id, not '0'"),
    ],
)
def test_an_execution_id_that_is_no_id_says_so(raw: Any, message: str) -> None:
    (problem,) = problems_for(bare("s", executionId=raw))
    assert problem.message == f"schedule 's': {message}"


def test_an_execution_id_written_as_text_is_the_same_id() -> None:
    assert problems_for(bare("s", executionId=" 3857 ")) == []


@pytest.mark.parametrize(
    "ref",
    ["fav_config_name", 5, [], {}, {"nme": "x"}, {"name": "a", "id": 1}, {"name": "a", "x": 1}],
)
def test_a_malformed_favourite_reference_says_what_is_expected(ref: Any) -> None:
    (problem,) = problems_for(bare("s", executionId=3857, executionConfig=ref))
    assert "executionConfig must be {name: ...} or {id: ...}, not" in problem.message


def test_a_favourite_id_written_as_text_is_found() -> None:
    assert problems_for(bare("s", executionId=3857, executionConfig={"id": "201"})) == []
    assert find_favourite({"id": "x"}, CONFIGS) is None
    assert find_favourite("fav_config_name", CONFIGS) is None
    assert find_favourite({"name": "smoke only", "id": 202}, CONFIGS) is None


def test_several_close_favourite_names_are_all_suggested() -> None:
    configs = [{"id": i, "name": f"smoke {c}"} for i, c in enumerate("abcd", start=1)]
    (problem,) = problems_for(
        bare("s", executionId=3857, executionConfig={"name": "smoke"}), configs=configs
    )
    assert problem.message.endswith(
        "no saved favourite is named 'smoke'; did you mean 'smoke d' or 'smoke c' or 'smoke b'?"
    )


def test_a_long_list_of_candidates_is_cut_with_a_count() -> None:
    plans = [{"id": 100 + 10 * i, "name": f"plan {i}"} for i in range(11)]
    (problem,) = problems_for(bare("s", executionId=9), plans=plans)
    assert problem.message.endswith(
        "test plans of this account: 100 'plan 0', 110 'plan 1', 120 'plan 2', 130 'plan 3', "
        "140 'plan 4', 150 'plan 5', 160 'plan 6', 170 'plan 7' and 3 more"
    )
    nine = [{"id": 100 + 10 * i, "name": f"plan {i}"} for i in range(9)]
    (problem,) = problems_for(bare("s", executionId=9), plans=nine)
    assert problem.message.endswith("170 'plan 7' and 1 more")
    exactly = [{"id": 100 + 10 * i, "name": f"plan {i}"} for i in range(8)]
    (problem,) = problems_for(bare("s", executionId=9), plans=exactly)
    assert problem.message.endswith("170 'plan 7'")


def test_a_plan_without_a_name_is_listed_by_its_id() -> None:
    (problem,) = problems_for(bare("s", executionId=9), plans=[{"id": 500, "name": None}])
    assert problem.message.endswith("test plans of this account: 500 'test plan 500'")


def test_ids_more_than_one_keystroke_away_are_not_suggested() -> None:
    (problem,) = problems_for(bare("s", executionId=3587), plans=[{"id": 3857, "name": "A"}])
    assert "did you mean 3857 ('A')?" in problem.message
    (problem,) = problems_for(bare("s", executionId=5837), plans=[{"id": 3857, "name": "A"}])
    assert "did you mean" not in problem.message
    (problem,) = problems_for(
        bare("s", executionId=1234), plans=[{"id": 1243, "name": "A"}, {"id": 1235, "name": "B"}]
    )
    assert problem.message.endswith("did you mean 1235 ('B') or 1243 ('A')?")


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("", "abc", 3),
        ("abc", "", 3),
        ("abc", "abc", 0),
        ("ab", "ba", 1),
        ("3857", "3587", 1),
        ("3857", "385", 1),
        ("385", "3857", 1),
        ("3857", "3858", 1),
        ("kitten", "sitting", 3),
        ("abcd", "badc", 2),
        ("ca", "abc", 3),
        ("12", "21x", 2),
        ("aaa", "a", 2),
        ("7", "7007", 3),
    ],
)
def test_typo_distance_counts_one_swap_of_neighbours_as_one_edit(
    a: str, b: str, distance: int
) -> None:
    from reconciler.engine.preflight import _typo_distance

    assert _typo_distance(a, b) == distance


def test_several_close_plan_names_are_suggested_at_most_three_plus_case() -> None:
    plans = [{"id": i, "name": f"Smoke {c}"} for i, c in enumerate("abcd", start=1)]
    plans.append({"id": 9, "name": "SMOKE"})
    with pytest.raises(TestPlanNameError) as caught:
        resolve_test_plan_name("Smoke", plans)
    assert caught.value.name == "Smoke"
    assert caught.value.candidates == ((2, "Smoke b"), (3, "Smoke c"), (4, "Smoke d"), (9, "SMOKE"))
    assert "did you mean 'Smoke b' (2) or 'Smoke c' (3) or 'Smoke d' (4) or 'SMOKE' (9)?" in (
        caught.value.message
    )


def test_an_unknown_plan_name_on_an_account_with_plans_lists_them_all() -> None:
    with pytest.raises(TestPlanNameError) as caught:
        resolve_test_plan_name("zzz", PLANS)
    assert caught.value.name == "zzz"
    assert caught.value.message == (
        "no test plan is named 'zzz'; test plans of this account: 3857 'Checkout regression', "
        "3858 'Smoke', 3859 'Smoke', 3860 'Payments API'"
    )


def test_an_ambiguous_name_without_versions_lists_bare_ids() -> None:
    plans = [{"id": 1, "name": "Same"}, {"id": 2, "name": "Same"}]
    with pytest.raises(TestPlanNameError) as caught:
        resolve_test_plan_name("Same", plans)
    assert caught.value.name == "Same"
    assert "2 test plans have it (1, 2); use executionId instead" in caught.value.message


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"query": ""}, "the whole test plan (no filters)"),
        ({"query": "   "}, "the whole test plan (no filters)"),
        ({"query": []}, "the whole test plan (no filters)"),
        ({"query": [{"key": "suiteId", "operation": "IN", "value": [1]}]}, "includes suites 1"),
        (
            {"query": {"key": "suiteId"}},
            'selection unreadable: query is not a list: {"key": "suiteId"}',
        ),
        ({"query": '[{"key":"assignee","operation":"EQUALS","value":3}]'}, "assignee EQUALS 3"),
        ({"query": '[{"key":"assignee","operation":"IN","value":[3]}]'}, "assignee 3"),
        ({"query": '[{"key":"reviewedBy","operation":"NOT_IN","value":[4]}]'}, "not reviewed by 4"),
        ({"query": '[{"key":7,"operation":"IN","value":1}]'}, "7 IN 1"),
        ({"query": '[{"key":"suiteId","operation":null,"value":1}]'}, "suites null 1"),
        ({"query": '[{"key":"suiteId","operation":5,"value":1}]'}, "suites 5 1"),
        ({"query": '[{"key":null,"operation":"IN","value":1}]'}, "null IN 1"),
        ({"query": '[{"key":"labels","operation":"IN","value":"a"}]'}, "labels IN a"),
        (
            {
                "query": json.dumps(
                    [{"key": "suiteId", "operation": "IN", "value": list(range(11))}]
                )
            },
            "includes suites 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 1 more",
        ),
    ],
)
def test_describe_favourite_edges(config: dict[str, Any], expected: str) -> None:
    assert describe_favourite(config) == expected


NOT_IN = '[{"key":"suiteId","value":[1],"operation":"NOT_IN"}]'
IN = '[{"key":"suiteId","value":[1],"operation":"IN"}]'
BOTH = (
    '[{"key":"suiteId","value":[1],"operation":"IN"},'
    '{"key":"suiteId","value":[2],"operation":"NOT_IN"}]'
)


@pytest.mark.parametrize(
    ("query", "condition", "note"),
    [
        (NOT_IN, "INCLUDED", "condition INCLUDED"),
        (IN, "INCLUDED", None),
        (BOTH, "INCLUDED", None),
        (IN, "EXCLUDED", "condition EXCLUDED"),
        (NOT_IN, "EXCLUDED", None),
        (BOTH, "EXCLUDED", None),
        ("[]", "INCLUDED", None),
        ("[]", "EXCLUDED", None),
    ],
)
def test_the_condition_is_shown_only_when_it_contradicts_the_terms(
    query: str, condition: str, note: str | None
) -> None:
    text = describe_favourite({"query": query, "executionConfigCondition": condition})
    assert text.endswith(f"; {note}" if note and query != "[]" else note or "")
    assert ("condition" in text) is (note is not None)


def test_unreadable_text_is_clipped_to_one_short_line() -> None:
    raw = "not json " + "x" * 100 + "\n  tail"
    text = describe_favourite({"query": raw})
    assert text.startswith("selection unreadable: query is not JSON (")
    shown = text.split("): ", 1)[1]
    assert shown == ("not json " + "x" * 100)[:80] + "..."
    short = describe_favourite({"query": "not\n\n  json"})
    assert short.endswith("): not json")
    exact = "y" * 80
    assert describe_favourite({"query": exact}).endswith("): " + exact)


# --- testPlan names resolved against the account ----------------------------------------------


def named(name: str, plan: str, line: int) -> DesiredSchedule:
    return DesiredSchedule(
        name=name,
        payload={"name": name, "scheduleType": "DAILY"},
        location=loc(line),
        field_locations={"testPlan": loc(line + 1)},
        test_plan=plan,
    )


def test_test_plan_names_become_execution_ids_right_after_the_name() -> None:
    run = DesiredRun(name="r", body={"buildNo": "1"}, location=loc(30), test_plan="Payments API")
    kept = a_schedule("by-id", 20)
    resolved = resolve_test_plans(
        DesiredSet(schedules=(named("s", "Checkout regression", 1), kept), runs=(run,)), PLANS
    )
    assert list(resolved.schedules[0].payload.items()) == [
        ("name", "s"),
        ("executionId", 3857),
        ("scheduleType", "DAILY"),
    ]
    assert resolved.schedules[1] == kept
    assert resolved.runs[0].body == {"executionId": 3860, "buildNo": "1"}


def test_every_unresolvable_name_is_reported_at_its_test_plan_key() -> None:
    run = DesiredRun(
        name="r", body={}, location=loc(30), field_locations={"testPlan": loc(31)}, test_plan="zz"
    )
    desired = DesiredSet(schedules=(named("s", "Smoke", 1), named("t", "Nope", 5)), runs=(run,))
    with pytest.raises(InputError) as caught:
        resolve_test_plans(desired, PLANS)
    problems = caught.value.problems
    assert [p.location for p in problems] == [loc(2), loc(6), loc(31)]
    assert problems[0].message.startswith("testPlan: test plan name 'Smoke' is ambiguous")
    assert problems[1].message.startswith("testPlan: no test plan is named 'Nope'")
    assert problems[2].message.startswith("testPlan: no test plan is named 'zz'")


def test_without_an_account_each_test_plan_name_is_a_located_problem() -> None:
    run = DesiredRun(
        name="r", body={}, location=loc(30), field_locations={"testPlan": loc(31)}, test_plan="zz"
    )
    done = DesiredRun(name="d", body={"executionId": 1}, location=loc(40), test_plan="x")
    resolved = replace(named("r", "Smoke", 12), payload={"name": "r", "executionId": 3858})
    schedules = (named("s", "Smoke", 1), a_schedule("by-id", 9), bare("no-id"), resolved)
    desired = DesiredSet(schedules=schedules, runs=(run, done))
    problems = unresolved_test_plans(desired)
    assert [p.location for p in problems] == [loc(2), loc(31)]
    assert problems[0].message == (
        "testPlan 'Smoke' is resolved to its id against the account: set TESTSIGMA_API_KEY "
        "and leave preflight on (or write executionId instead)"
    )
    assert "'zz'" in problems[1].message
    assert unresolved_test_plans(DesiredSet()) == []
