"""Preflight edges (ported from the tests branch): ids written as text, long listings cut with a
count, close names suggested, plans without names, malformed favourite references."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

# The account and the desired entries are test_preflight's, shared rather than copied.
from test_preflight import CONFIGS, PLANS, a_schedule, loc

from reconciler.core.errors import InputError, Location
from reconciler.core.model import DesiredRun, DesiredSchedule, DesiredSet
from reconciler.engine.preflight import (
    TestPlanNameError,
    check_account,
    find_favourite,
    resolve_test_plan_name,
    resolve_test_plans,
    unresolved_test_plans,
    with_test_plan_ids,
)

# --- plan names ----------------------------------------------------------------------


# --- favourites in plain words ----------------------------------------------------


def fav(query: Any, condition: Any = None) -> dict[str, Any]:
    text = query if isinstance(query, str) else json.dumps(query)
    config: dict[str, Any] = {"id": 1, "name": "f", "query": text}
    if condition is not None:
        config["executionConfigCondition"] = condition
    return config


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


NOT_IN = '[{"key":"suiteId","value":[1],"operation":"NOT_IN"}]'
IN = '[{"key":"suiteId","value":[1],"operation":"IN"}]'
BOTH = (
    '[{"key":"suiteId","value":[1],"operation":"IN"},'
    '{"key":"suiteId","value":[2],"operation":"NOT_IN"}]'
)


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
        "testPlan 'Smoke' is resolved to its id against the account, and that needs an API key: "
        "set TESTSIGMA_API_KEY (or --api-key-file); or write executionId instead"
    )
    assert "'zz'" in problems[1].message
    assert unresolved_test_plans(DesiredSet()) == []
    (offline,) = unresolved_test_plans(DesiredSet(schedules=schedules[:1]), key_set=True)
    assert "and the preflight reads it: leave preflight on (drop --no-preflight); " in (
        offline.message
    )


def test_one_name_merged_into_many_entries_is_one_problem_with_a_count() -> None:
    same = (named("a", "Smoke", 1), replace(named("b", "Smoke", 1), name="b"))
    (problem,) = unresolved_test_plans(DesiredSet(schedules=same))
    assert problem.message.endswith("or write executionId instead (used by 2 entries)")


def test_only_entries_with_an_id_are_kept_for_an_offline_plan() -> None:
    run = DesiredRun(name="r", body={}, location=loc(30), test_plan="zz")
    done = DesiredRun(name="d", body={"executionId": 1}, location=loc(40))
    desired = DesiredSet(
        schedules=(named("s", "Smoke", 1), a_schedule("by-id", 9)), runs=(run, done)
    )
    kept = with_test_plan_ids(desired)
    assert [s.name for s in kept.schedules] == ["by-id"] and [r.name for r in kept.runs] == ["d"]
