"""What a partial run posts: from a run declared under `runs:`, or from ad hoc flags.

`requests_for` turns the command line (`NAME... PATH...`, or the ad hoc flags)
into requests; `request_for` takes a declared run as it is; `ad_hoc_request`
checks every flag of `reconciler run --execution-id ...` at once and names
each bad one, and `ad_hoc_flag_locations` says which flag a later problem
(the preflight's) should name. `checked_requests` is the preflight before
triggering. `reconciler.app.run_flow` sequences trigger and wait.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler.app.account import AccountReader, read_account
from reconciler.core.errors import InputError, Location, Problem, ReconcilerError
from reconciler.core.model import DesiredRun, DesiredSet, RunBody
from reconciler.engine.preflight import check_account, resolve_test_plans


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A run to trigger: the declared run's name (None when ad hoc) and the body to post."""

    name: str | None
    body: RunBody
    #: The test plan's name when declared with `testPlan`: resolved before triggering.
    test_plan: str | None = None
    #: The declaration under `runs:` (None when ad hoc), for messages pinned to its lines.
    declared: DesiredRun | None = None


@dataclass(frozen=True, slots=True)
class AdHocFlags:
    """`run --execution-id ID [--config-name NAME | --config-id ID] ...`, as given."""

    execution_id: int
    config_name: str | None = None
    config_id: int | None = None
    environment_id: int | None = None
    build_no: str | None = None
    runtime: Sequence[str] = ()


def requests_for(
    args: Sequence[str],
    *,
    ad_hoc: AdHocFlags | None,
    load: Callable[[list[Path]], DesiredSet],
) -> list[RunRequest]:
    """The runs `run NAME... PATH...` (or the ad hoc flags) asks for, in the order named.

    An argument that exists on disk is YAML (read with `load`), any other is a
    run name; every name must be declared under `runs:` in that YAML.
    """
    paths = [Path(a) for a in args if Path(a).exists()]
    names = [a for a in args if not Path(a).exists()]
    if ad_hoc is not None:
        if names:
            raise ReconcilerError(
                f"--execution-id triggers one ad hoc run; it cannot be mixed with declared "
                f"run names ({', '.join(names)})"
            )
        return [
            ad_hoc_request(
                execution_id=ad_hoc.execution_id,
                config_name=ad_hoc.config_name,
                config_id=ad_hoc.config_id,
                environment_id=ad_hoc.environment_id,
                build_no=ad_hoc.build_no,
                runtime=ad_hoc.runtime,
            )
        ]
    if not names:
        raise ReconcilerError(
            "name the runs to trigger (declared under `runs:`) and the YAML that declares them, "
            "or use --execution-id for an ad hoc run"
        )
    if not paths:
        raise ReconcilerError(
            f"no YAML given: add the files or directories that declare {', '.join(names)} "
            "(or no such file: check the path)"
        )
    declared = {r.name: r for r in load(paths).runs}
    missing = [n for n in names if n not in declared]
    if missing:
        known = ", ".join(sorted(declared)) or "none"
        raise ReconcilerError(
            f"no run named {', '.join(repr(m) for m in missing)} is declared under `runs:` "
            f"(declared: {known})"
        )
    return [request_for(declared[n]) for n in names]


def checked_requests(
    requests: Sequence[RunRequest], client: AccountReader, *, preflight: bool
) -> list[RunRequest]:
    """Resolve `testPlan` names, and check test plans and favourites before triggering.

    Triggering is a write, so every problem of every requested run is reported
    (InputError) before any of them starts, each at its line in the YAML (or
    at its flag). The account is read only when a check or a name needs it.
    """
    needs_names = any("executionId" not in r.body for r in requests)
    if not preflight and not needs_names:
        return list(requests)
    account = read_account(client)
    runs = DesiredSet(
        runs=tuple(
            r.declared
            or DesiredRun(
                name=r.name or "ad hoc run",
                body=r.body,
                location=Location("--execution-id"),
                field_locations=ad_hoc_flag_locations(r.body),
            )
            for r in requests
        )
    )
    runs = resolve_test_plans(runs, account.test_plans)
    if preflight:
        problems = check_account(runs, account.test_plans, account.saved_configs)
        if problems:
            raise InputError(problems)
    return [replace(r, body=run.body) for r, run in zip(requests, runs.runs, strict=True)]


def request_for(run: DesiredRun) -> RunRequest:
    """The request for a run declared under `runs:`."""
    return RunRequest(name=run.name, body=run.body.copy(), test_plan=run.test_plan, declared=run)


def ad_hoc_request(
    *,
    execution_id: int | None,
    config_name: str | None = None,
    config_id: int | None = None,
    environment_id: int | None = None,
    build_no: str | None = None,
    runtime: Sequence[str] = (),
) -> RunRequest:
    """A request from `--execution-id`, `--config-name`/`--config-id`, ... flags.

    Raises InputError listing every bad flag at once.
    """
    problems: list[Problem] = []

    def bad(flag: str, message: str) -> None:
        problems.append(Problem(Location(flag), message))

    body: RunBody = {}
    if execution_id is None:
        bad("--execution-id", "an ad hoc run needs the test plan id (or give a declared run NAME)")
    elif execution_id <= 0:
        bad("--execution-id", f"must be a positive test plan id, not {execution_id}")
    else:
        body["executionId"] = execution_id
    if config_name is not None and config_id is not None:
        bad("--config-id", "give --config-name or --config-id, not both")
    elif config_name is not None:
        if not config_name.strip():
            bad("--config-name", "must not be empty")
        body["executionConfig"] = {"name": config_name}
    elif config_id is not None:
        if config_id <= 0:
            bad("--config-id", f"must be a positive favourite id, not {config_id}")
        body["executionConfig"] = {"id": config_id}
    if environment_id is not None:
        if environment_id <= 0:
            bad("--environment-id", f"must be a positive environment id, not {environment_id}")
        body["environmentId"] = environment_id
    if build_no is not None:
        body["buildNo"] = build_no
    runtime_data: dict[str, str] = {}
    for item in runtime:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            bad("--runtime", f"expected KEY=VALUE, got {item!r}")
        elif key in runtime_data:
            bad("--runtime", f"{key} is given twice")
        else:
            runtime_data[key] = value
    if runtime_data:
        body["runtimeData"] = runtime_data
    if problems:
        raise InputError(problems)
    return RunRequest(name=None, body=body)


def ad_hoc_flag_locations(body: RunBody) -> dict[str, Location]:
    """Where each part of an ad hoc run came from: the flag a problem should name."""
    config = body.get("executionConfig", {})
    flag = "--config-name" if "name" in config else "--config-id"
    return {
        "executionId": Location("--execution-id"),
        "executionConfig": Location(flag),
        "executionConfig.name": Location("--config-name"),
        "executionConfig.id": Location("--config-id"),
    }
