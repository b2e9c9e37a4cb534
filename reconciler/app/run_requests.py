"""What a partial run posts: from a run declared under `runs:`, or from ad hoc flags.

`request_for` takes a declared run as it is; `ad_hoc_request` checks every
flag of `reconciler run --execution-id ...` at once and names each bad one, and
`ad_hoc_flag_locations` says which flag a later problem (the preflight's)
should name. `reconciler.app.runs` triggers and waits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.core.errors import InputError, Location, Problem
from reconciler.core.model import DesiredRun, RunBody


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A run to trigger: the declared run's name (None when ad hoc) and the body to post."""

    name: str | None
    body: RunBody
    #: The test plan's name when declared with `testPlan`: resolved before triggering.
    test_plan: str | None = None
    #: The declaration under `runs:` (None when ad hoc), for messages pinned to its lines.
    declared: DesiredRun | None = None


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
