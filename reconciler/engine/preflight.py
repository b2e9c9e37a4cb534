"""Checks of the declared YAML against the account (pure).

Before any write (and in `plan` when a key is set) every `executionId` must
be a test plan of the account and every favourite an `executionConfig` names
must exist. This module owns those checks, but not the reads: it takes the
account's test plans and saved configs as data (the shell fetches them, see
`reconciler.app.account`), so it is deterministic and unit-tested
without a server. It returns every problem at once, each pinned to where
the YAML says it, with a "did you mean" hint or the list of candidates.

How a favourite is described in a plan is `reconciler.engine.favourites`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from reconciler.core.errors import InputError, Location, Problem, ReconcilerError
from reconciler.core.model import DesiredSet
from reconciler.core.payload import with_execution_id

#: How many candidates an error lists before saying "and N more".
MAX_LISTED = 8


class TestPlanNameError(ReconcilerError):
    """A `testPlan` name that names no test plan, or more than one.

    `candidates` are `(id, name)` pairs: the plans sharing the name when it is
    ambiguous, the closest names when it is unknown.
    """

    __test__ = False  # not a pytest class, despite the name

    def __init__(self, message: str, *, name: str, candidates: Sequence[tuple[int, str]]) -> None:
        super().__init__(message)
        self.name = name
        self.candidates = tuple(candidates)


# --- checks ------------------------------------------------------------------


def check_account(
    desired: DesiredSet,
    test_plans: Sequence[Mapping[str, object]],
    saved_configs: Sequence[Mapping[str, object]],
) -> list[Problem]:
    """Every reference of `desired` that the account does not have, as located problems.

    Schedules first, then runs, each in declaration order; within one entry
    the test plan before the favourite.
    """
    plans_by_id = _plans_by_id(test_plans)
    problems: list[Problem] = []
    for schedule in desired.schedules:
        problems += _check_entry(
            f"schedule {schedule.name!r}",
            schedule.payload,
            _Where(schedule.location, schedule.field_locations),
            plans_by_id=plans_by_id,
            saved_configs=saved_configs,
        )
    for run in desired.runs:
        problems += _check_entry(
            f"run {run.name!r}",
            run.body,
            _Where(run.location, run.field_locations),
            plans_by_id=plans_by_id,
            saved_configs=saved_configs,
        )
    return problems


@dataclass(frozen=True, slots=True)
class _Where:
    location: Location
    field_locations: Mapping[str, Location]

    def of(self, *keys: str) -> Location:
        """The first of `keys` the YAML locates, else the entry itself."""
        return next(
            (self.field_locations[k] for k in keys if k in self.field_locations), self.location
        )


def _check_entry(
    label: str,
    body: Mapping[str, object],
    where: _Where,
    *,
    plans_by_id: Mapping[int, str],
    saved_configs: Sequence[Mapping[str, object]],
) -> list[Problem]:
    problems: list[Problem] = []
    message = _test_plan_problem(body.get("executionId"), plans_by_id)
    if message:
        problems.append(Problem(where.of("executionId"), f"{label}: {message}"))
    ref = body.get("executionConfig")
    if ref is not None:
        message = _favourite_problem(ref, saved_configs)
        if message:
            keys = [f"executionConfig.{k}" for k in ("name", "id") if _has(ref, k)]
            problems.append(Problem(where.of(*keys, "executionConfig"), f"{label}: {message}"))
    return problems


def find_favourite(
    ref: object, saved_configs: Sequence[Mapping[str, object]]
) -> Mapping[str, object] | None:
    """The saved config an `executionConfig` `{name}` or `{id}` refers to, if any."""
    if not isinstance(ref, Mapping):
        return None
    if "name" in ref and "id" not in ref:
        return next((c for c in saved_configs if c.get("name") == ref["name"]), None)
    if "id" in ref and "name" not in ref:
        wanted = _as_id(ref["id"])
        if wanted is None:
            return None
        return next((c for c in saved_configs if _as_id(c.get("id")) == wanted), None)
    return None


def resolve_test_plan_name(name: str, test_plans: Sequence[Mapping[str, object]]) -> int:
    """The id of the one test plan called exactly `name`.

    Raises TestPlanNameError naming the candidates: the ids sharing the name
    when it is ambiguous, the closest names when there is none.
    """
    matches = [(pid, plan) for pid, plan in _plans_by_id(test_plans).items() if plan == name]
    if len(matches) == 1:
        return matches[0][0]
    if matches:
        listed = ", ".join(_plan_label(pid, plan, test_plans) for pid, plan in matches)
        raise TestPlanNameError(
            f"test plan name {name!r} is ambiguous: {len(matches)} test plans have it "
            f"({listed}); use executionId instead",
            name=name,
            candidates=matches,
        )
    close = _close_plans(name, test_plans)
    if close:
        hint = "did you mean " + " or ".join(f"{plan!r} ({pid})" for pid, plan in close) + "?"
    else:
        hint = _listing("test plans", _plans_by_id(test_plans).items())
    raise TestPlanNameError(f"no test plan is named {name!r}; {hint}", name=name, candidates=close)


# --- helpers -------------------------------------------------------------------


def _test_plan_problem(raw: object, plans_by_id: Mapping[int, str]) -> str:
    plan_id = _as_id(raw)
    if plan_id is None:
        return f"executionId must be a test plan id, not {raw!r}"
    if plan_id in plans_by_id:
        return ""
    close = [p for p in sorted(plans_by_id) if _typo_distance(str(plan_id), str(p)) <= 1][:3]
    if close:
        hint = "did you mean " + " or ".join(f"{c} ({plans_by_id[c]!r})" for c in close) + "?"
    else:
        hint = _listing("test plans", plans_by_id.items())
    return f"executionId {plan_id} is not a test plan of this account; {hint}"


def _favourite_problem(ref: object, saved_configs: Sequence[Mapping[str, object]]) -> str:
    if not isinstance(ref, Mapping) or len(ref) != 1 or not ({"name", "id"} & set(ref)):
        return f"executionConfig must be {{name: ...}} or {{id: ...}}, not {ref!r}"
    if find_favourite(ref, saved_configs) is not None:
        return ""
    known = [
        (cid, name)
        for c in saved_configs
        if (cid := _as_id(c.get("id"))) is not None and isinstance(name := c.get("name"), str)
    ]
    listing = _listing("saved favourites", known)
    if "name" in ref:
        wanted = str(ref["name"])
        names = [n for _, n in known]
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
        close += [n for n in names if n.casefold() == wanted.casefold() and n not in close]
        hint = ("did you mean " + " or ".join(repr(n) for n in close) + "?") if close else listing
        return f"no saved favourite is named {wanted!r}; {hint}"
    return f"no saved favourite has id {ref['id']!r}; {listing}"


def _typo_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap neighbours) from `a` to `b`: one is a typo."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _listing(what: str, items: Iterable[tuple[int, str]]) -> str:
    pairs = sorted(items)
    if not pairs:
        return f"this account has no {what}"
    shown = ", ".join(f"{i} {n!r}" for i, n in pairs[:MAX_LISTED])
    more = len(pairs) - MAX_LISTED
    return f"{what} of this account: {shown}" + (f" and {more} more" if more > 0 else "")


def _close_plans(name: str, test_plans: Sequence[Mapping[str, object]]) -> list[tuple[int, str]]:
    plans = _plans_by_id(test_plans)
    names = sorted(set(plans.values()))
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    close += [n for n in names if n.casefold() == name.casefold() and n not in close]
    return [(pid, plan) for pid, plan in sorted(plans.items()) if plan in close]


def _plan_label(plan_id: int, name: str, test_plans: Sequence[Mapping[str, object]]) -> str:
    """`3858 (application version 11)`: what tells plans of the same name apart."""
    for plan in test_plans:
        version = plan.get("applicationVersionId")
        if _as_id(plan.get("id")) == plan_id and version is not None:
            return f"{plan_id} (application version {version})"
    return str(plan_id)


def _plans_by_id(test_plans: Sequence[Mapping[str, object]]) -> dict[int, str]:
    plans: dict[int, str] = {}
    for plan in test_plans:
        plan_id = _as_id(plan.get("id"))
        if plan_id is not None:
            name = plan.get("name")
            plans[plan_id] = name if isinstance(name, str) else f"test plan {plan_id}"
    return plans


def _as_id(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw > 0 else None
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip()) or None
    return None


def _has(ref: object, key: str) -> bool:
    return isinstance(ref, Mapping) and key in ref


def resolve_test_plans(
    desired: DesiredSet, test_plans: Sequence[Mapping[str, object]]
) -> DesiredSet:
    """Replace every `testPlan` name by its `executionId`; InputError names every failure."""
    resolved, problems = resolve_test_plans_collecting(desired, test_plans)
    if problems:
        raise InputError(problems)
    return resolved


def resolve_test_plans_collecting(
    desired: DesiredSet, test_plans: Sequence[Mapping[str, object]]
) -> tuple[DesiredSet, list[Problem]]:
    """Replace each `testPlan` name that resolves; the others stay, with their problems."""
    problems: list[Problem] = []
    schedules = []
    for schedule in desired.schedules:
        plan_id = _resolve_at(
            schedule.test_plan, schedule.location_of("testPlan"), test_plans, problems
        )
        if plan_id is not None:
            schedule = replace(schedule, payload=with_execution_id(schedule.payload, plan_id))
        schedules.append(schedule)
    runs = []
    for run in desired.runs:
        plan_id = _resolve_at(run.test_plan, run.location_of("testPlan"), test_plans, problems)
        if plan_id is not None:
            run = replace(run, body={"executionId": plan_id, **run.body})
        runs.append(run)
    return replace(desired, schedules=tuple(schedules), runs=tuple(runs)), problems


def with_test_plan_ids(desired: DesiredSet) -> DesiredSet:
    """Only the entries that name their test plan by id (resolved or as written)."""
    return replace(
        desired,
        schedules=tuple(s for s in desired.schedules if "executionId" in s.payload),
        runs=tuple(r for r in desired.runs if "executionId" in r.body),
    )


def unresolved_test_plans(desired: DesiredSet, *, key_set: bool = False) -> list[Problem]:
    """One problem per unresolved `testPlan` (no account was read), where it is written.

    A name merged into many schedules from one anchor is one problem, not one per schedule.
    `key_set` says why the account was not read, so the message names what is missing.
    """
    pending = [
        (s.location_of("testPlan"), s.test_plan)
        for s in desired.schedules
        if s.test_plan is not None and "executionId" not in s.payload
    ] + [
        (r.location_of("testPlan"), r.test_plan)
        for r in desired.runs
        if r.test_plan is not None and "executionId" not in r.body
    ]
    uses: dict[tuple[Location, str], int] = {}
    for where, name in pending:
        uses[(where, name)] = uses.get((where, name), 0) + 1
    needed = (
        "the preflight reads it: leave preflight on (drop --no-preflight)"
        if key_set
        else "that needs an API key: set TESTSIGMA_API_KEY (or --api-key-file)"
    )
    return [
        Problem(
            where,
            f"testPlan {name!r} is resolved to its id against the account, and {needed}; "
            "or write executionId instead" + (f" (used by {count} entries)" if count > 1 else ""),
        )
        for (where, name), count in uses.items()
    ]


def _resolve_at(
    name: str | None,
    location: Location,
    test_plans: Sequence[Mapping[str, object]],
    problems: list[Problem],
) -> int | None:
    if name is None:
        return None
    try:
        return resolve_test_plan_name(name, test_plans)
    except TestPlanNameError as exc:
        problems.append(Problem(location, f"testPlan: {exc.message}"))
        return None
