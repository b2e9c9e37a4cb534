"""The Testsigma API endpoints: a request in, a `Reply` out, no sockets.

Kept apart from the transport concerns (`pipeline.py`: auth, latency, rate
limit, faults, logging) so the routes read like the API notes in
docs/SANDBOX.md, and the same routes serve real HTTP and the in-process
transport alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox import seeds
from reconciler.sandbox.apierror import ApiError
from reconciler.sandbox.query import list_page
from reconciler.sandbox.runs import JUNIT_NOT_READY
from reconciler.sandbox.schedules import ATTRIBUTES
from reconciler.sandbox.seeds import API_USER_ID
from reconciler.sandbox.state import SandboxState

PLAN_ATTRIBUTES = frozenset(("id", "name", "applicationVersionId"))


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer: JSON (`body` any JSON value) or text (`text` with `content_type`)."""

    status: int
    body: Any = None
    text: str | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(error: ApiError) -> Reply:
    return Reply(error.status, error.body())


def _method_not_allowed(method: str, path: str) -> ApiError:
    return ApiError(
        405, f"Request method '{method}' is not supported on {path}", code="NOT_ALLOWED"
    )


_ID_ROUTE = re.compile(r"^/(schedule_executions|execution_results|reports/junit)/([^/]+)$")


def _parse_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise ApiError(400, f"Invalid id {raw!r}: expected a number", code="BAD_REQUEST")
    return int(raw)


def handle_api(
    state: SandboxState,
    *,
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    headers: dict[str, str],
    base_url: str,
) -> Reply:
    """Answer one API call (path relative to `/api/v1`); errors become error replies."""
    try:
        return _route(state, method, path, query, body, headers, base_url)
    except ApiError as error:
        return error_reply(error)


def _route(
    state: SandboxState,
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    headers: dict[str, str],
    base_url: str,
) -> Reply:
    config = state.config
    path = path.rstrip("/") or "/"
    if path == "/schedule_executions":
        return _schedules_collection(state, method, path, query, body)
    if path == "/test_plans":
        if method != "GET":
            raise _method_not_allowed(method, path)
        plans = [p.to_json() for p in seeds.TEST_PLANS]
        page = list_page(
            plans,
            query,
            attributes=PLAN_ATTRIBUTES,
            max_size=config.page_size_max,
            ordered=config.ordered_lists,
        )
        return Reply(200, page)
    if path == "/saved_execution_configs":
        if method != "GET":
            raise _method_not_allowed(method, path)
        return Reply(200, [c.to_json() for c in seeds.SAVED_CONFIGS])
    if path == "/execution_results":
        if method != "POST":
            raise _method_not_allowed(method, path)
        with state.locked() as (_, runs, now):
            run = runs.trigger(body, now=now, fail_plan_ids=config.fail_plan_ids)
            return Reply(200, run.to_json(base_url))
    match = _ID_ROUTE.match(path)
    if match is None:
        raise ApiError(404, f"No endpoint {method} {path}", code="NOT_FOUND")
    resource, ident = match.group(1), _parse_id(match.group(2))
    if resource == "schedule_executions":
        return _schedule_by_id(state, method, path, ident, body)
    if method != "GET":
        raise _method_not_allowed(method, path)
    return _run_by_id(state, resource, ident, headers, base_url)


def _schedules_collection(
    state: SandboxState, method: str, path: str, query: dict[str, str], body: Any
) -> Reply:
    """`POST` (create) and `GET` (the list) on `/schedule_executions`."""
    config = state.config
    if method == "POST":
        oddity = state.draw_id_oddity()
        with state.locked() as (schedules, _, now):
            created = schedules.create(
                body, now=now, user=API_USER_ID, unique=config.unique_names, oddity=oddity
            )
            return Reply(201, created)
    if method == "GET":
        if not config.list_by_name:
            raise _method_not_allowed(method, path)
        with state.locked() as (schedules, _, _now):
            items = schedules.all()
        page = list_page(
            items,
            query,
            attributes=ATTRIBUTES,
            max_size=config.page_size_max,
            ordered=config.ordered_lists,
        )
        return Reply(200, page)
    raise _method_not_allowed(method, path)


def _run_by_id(
    state: SandboxState, resource: str, ident: int, headers: dict[str, str], base_url: str
) -> Reply:
    config = state.config
    with state.locked() as (_, runs, now):
        if resource == "execution_results":
            run = runs.poll(
                ident,
                now=now,
                polls_to_complete=config.run_polls_to_complete,
                seconds=config.run_seconds_to_complete,
            )
            return Reply(200, run.to_json(base_url))
        accept = headers.get("accept", "*/*")
        if "xml" not in accept and "*/*" not in accept:
            raise ApiError(
                406, "The JUnit report is XML: send Accept: application/xml", code="NOT_ACCEPTABLE"
            )
        run = runs.get(ident)
        runs.settle(
            run,
            now=now,
            polls_to_complete=config.run_polls_to_complete,
            seconds=config.run_seconds_to_complete,
        )
        if not run.completed:
            return Reply(200, text=JUNIT_NOT_READY, content_type="text/plain")
        return Reply(200, text=run.junit(), content_type="application/xml")


def _schedule_by_id(state: SandboxState, method: str, path: str, ident: int, body: Any) -> Reply:
    config = state.config
    with state.locked() as (schedules, _, now):
        if method == "GET":
            if not config.reads:
                raise _method_not_allowed(method, path)
            return Reply(200, schedules.get(ident))
        if method == "PUT":
            updated = schedules.update(
                ident,
                body,
                now=now,
                user=API_USER_ID,
                replacing=config.replacing_put,
                unique=config.unique_names,
            )
            return Reply(202, updated)
        if method == "DELETE":
            schedules.delete(ident)
            return Reply(202, None)
    raise _method_not_allowed(method, path)
