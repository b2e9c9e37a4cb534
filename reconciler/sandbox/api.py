"""The Testsigma API endpoints: a request in, a `Reply` out, no sockets.

Kept apart from the HTTP plumbing (`server.py`) so the routes read like the
API notes (TESTSIGMA_API.md) and the transport concerns — auth, latency,
faults, logging — wrap every route the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox import seeds
from reconciler.sandbox.apierror import ApiError
from reconciler.sandbox.seeds import API_USER_ID
from reconciler.sandbox.state import SandboxState

SPRING_DEFAULT_SIZE = 20


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


def _int_query(query: dict[str, str], key: str, default: int) -> int:
    """Spring's lenient paging parameters: a bad value means the default."""
    raw = query.get(key)
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def spring_page(items: list[Any], query: dict[str, str], *, max_size: int) -> dict[str, Any]:
    """A Spring `Page` of `items` for the `page` (0-based) and `size` parameters."""
    page = max(0, _int_query(query, "page", 0))
    size = _int_query(query, "size", SPRING_DEFAULT_SIZE)
    size = min(size if size >= 1 else SPRING_DEFAULT_SIZE, max_size)
    content = items[page * size : (page + 1) * size]
    total_pages = math.ceil(len(items) / size)
    return {
        "content": content,
        "totalElements": len(items),
        "totalPages": total_pages,
        "number": page,
        "size": size,
        "numberOfElements": len(content),
        "first": page == 0,
        "last": page >= total_pages - 1,
        "empty": not content,
    }


def _filter(items: list[dict[str, Any]], query: str | None) -> list[dict[str, Any]]:
    """Apply a `query=key:value[,key:value]` filter; `name:` takes the whole rest."""
    if not query:
        return items
    if query.startswith("name:"):
        conditions = [("name", query[len("name:") :])]
    else:
        conditions = []
        for part in query.split(","):
            key, sep, value = part.partition(":")
            if not sep:
                raise ApiError(400, f"Unsupported query {part!r}; use key:value", code="BAD_QUERY")
            conditions.append((key.strip(), value))
    known = set(items[0]) if items else set()
    for key, _ in conditions:
        if items and key not in known:
            raise ApiError(400, f"Unknown query key {key!r}", code="BAD_QUERY")
    return [i for i in items if all(str(i.get(k)) == v for k, v in conditions)]


_ID_ROUTE = re.compile(r"^/(schedule_executions|execution_results|reports/junit)/([^/]+)$")


def _parse_id(raw: str) -> int:
    if not raw.isdigit():
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
        with state.locked() as (schedules, _, now):
            if method == "POST":
                return Reply(201, schedules.create(body, now=now, user=API_USER_ID))
            if method == "GET":
                if not config.list_by_name:
                    raise _method_not_allowed(method, path)
                items = _filter(schedules.all(), query.get("query"))
                return Reply(200, spring_page(items, query, max_size=config.page_size_max))
        raise _method_not_allowed(method, path)
    if path == "/test_plans":
        if method != "GET":
            raise _method_not_allowed(method, path)
        plans = _filter([p.to_json() for p in seeds.TEST_PLANS], query.get("query"))
        return Reply(200, spring_page(plans, query, max_size=config.page_size_max))
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
        return Reply(200, text=run.junit(), content_type="application/xml")


def _schedule_by_id(state: SandboxState, method: str, path: str, ident: int, body: Any) -> Reply:
    with state.locked() as (schedules, _, now):
        if method == "GET":
            if not state.config.reads:
                raise _method_not_allowed(method, path)
            return Reply(200, schedules.get(ident))
        if method == "PUT":
            return Reply(202, schedules.replace(ident, body, now=now, user=API_USER_ID))
        if method == "DELETE":
            schedules.delete(ident)
            return Reply(202, None)
    raise _method_not_allowed(method, path)
