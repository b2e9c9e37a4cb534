"""Safety limits: a plan that deletes or updates too much of the recorded state is refused."""

from __future__ import annotations

import pytest

from reconciler.core.model import Action, ActionKind, Cause, Plan
from reconciler.engine.safety import MIN_RECORDED, Limits, safety_violations


def plan_of(**counts: int) -> Plan:
    actions: list[Action] = []
    for kind, count in counts.items():
        for i in range(count):
            actions.append(
                Action(ActionKind(kind), f"{kind}-{i}", i, None, None, cause=Cause.CHANGED)
            )
    return Plan(actions=tuple(actions))


def violations(recorded: int, limits: Limits | None = None, **counts: int) -> list[str]:
    return safety_violations(plan_of(**counts), recorded_count=recorded, limits=limits or Limits())


def test_defaults_are_thirty_percent_and_ten_recorded() -> None:
    assert Limits() == Limits(max_delete_percent=30.0, max_update_percent=30.0)
    assert MIN_RECORDED == 10


def test_a_plan_within_the_limits_passes() -> None:
    assert violations(10, delete=3, update=3, noop=4) == []


def test_deleting_more_than_the_share_is_refused_with_the_numbers() -> None:
    (problem,) = violations(10, delete=4, noop=6)
    assert problem == (
        "the plan deletes 4 of 10 recorded schedules (40%, over the 30% limit); "
        "pass --force, or raise --max-delete-percent"
    )


def test_updating_more_than_the_share_is_refused_with_the_numbers() -> None:
    (problem,) = violations(10, update=4, noop=6)
    assert problem == (
        "the plan updates 4 of 10 recorded schedules (40%, over the 30% limit); "
        "pass --force, or raise --max-update-percent"
    )


def test_both_limits_are_reported_together() -> None:
    problems = violations(20, delete=7, update=7, noop=6)
    assert len(problems) == 2
    assert "deletes 7 of 20" in problems[0] and "updates 7 of 20" in problems[1]


def test_exactly_at_the_limit_passes() -> None:
    assert violations(10, delete=3, update=3, noop=4) == []
    assert violations(20, delete=6, noop=14) == []


def test_limits_are_configurable() -> None:
    generous = Limits(max_delete_percent=50.0, max_update_percent=50.0)
    assert violations(10, generous, delete=5, update=5) == []
    strict = Limits(max_delete_percent=5.0, max_update_percent=100.0)
    (problem,) = violations(10, strict, delete=1, update=9)
    assert "deletes 1 of 10" in problem and "5% limit" in problem


def test_shares_are_not_judged_below_the_minimum_recorded() -> None:
    """With nine recorded schedules, deleting four (44%) is not refused: too few to judge."""
    assert violations(MIN_RECORDED - 1, delete=4, update=4, noop=1) == []


def test_shares_are_judged_from_exactly_the_minimum_recorded() -> None:
    assert violations(MIN_RECORDED, delete=4, noop=6) != []
    assert violations(MIN_RECORDED, update=4, noop=6) != []


def test_deleting_everything_is_refused_whatever_the_number() -> None:
    for recorded in (1, 2, MIN_RECORDED - 1, MIN_RECORDED, 50):
        (problem,) = violations(recorded, delete=recorded)
        assert problem == (
            f"the plan deletes all {recorded} recorded schedule(s); "
            "if the YAML paths are right and this is intended, pass --force"
        )


def test_deleting_all_but_one_of_a_few_is_allowed() -> None:
    assert violations(3, delete=2, noop=1) == []


def test_an_empty_state_has_nothing_to_protect() -> None:
    assert violations(0) == []
    assert violations(0, create=5) == []


def test_creates_noops_and_orphans_do_not_count() -> None:
    assert violations(10, create=40, noop=10, orphan=10) == []


@pytest.mark.parametrize(("deletes", "refused"), [(2, False), (3, True)])
def test_share_is_a_strict_over(deletes: int, refused: bool) -> None:
    limits = Limits(max_delete_percent=20.0)
    assert bool(violations(10, limits, delete=deletes, noop=10 - deletes)) is refused
