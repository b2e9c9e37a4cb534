"""The `/_sandbox/` control endpoints: the in-process inspection API over HTTP.

Tests that run the CLI as a subprocess drive the sandbox through these:
the request log, the clock, out-of-band schedule edits and the config. They
are served only when the sandbox was asked for them (`control`, `--control`);
otherwise they answer 404 like any unknown path. They need the API key, are
never logged in the request log and get no latency or faults: they are the
test's hands, not part of the system under test.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.sandbox.api import Reply
from reconciler.sandbox.apierror import ApiError
from reconciler.sandbox.clockwork import epoch_ms
from reconciler.sandbox.seeds import UI_USER_ID
from reconciler.sandbox.state import SandboxState

_SCHEDULE = re.compile(r"^/schedules/(\d+)$")


def clock_json(state: SandboxState, fired: int | None = None) -> dict[str, Any]:
    now = state.now()
    data: dict[str, Any] = {"now": now.isoformat(), "nowEpochMs": epoch_ms(now)}
    if fired is not None:
        data["fired"] = fired
    return data


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object", code="BAD_REQUEST")
    return body


def handle_control(state: SandboxState, *, method: str, path: str, body: Any) -> Reply:
    """Answer one control call (path relative to `/_sandbox`)."""
    try:
        return _route(state, method, path.rstrip("/"), body)
    except ApiError as error:
        return Reply(error.status, error.body())
    except ValueError as error:
        return Reply(400, ApiError(400, str(error), code="BAD_REQUEST").body())


def _route(state: SandboxState, method: str, path: str, body: Any) -> Reply:
    if path == "/requests" and method == "GET":
        return Reply(200, [r.to_json() for r in state.requests()])
    if path == "/requests" and method == "DELETE":
        return Reply(200, {"cleared": state.clear_requests()})
    if path == "/clock" and method == "GET":
        return Reply(200, clock_json(state))
    if path == "/clock" and method == "POST":
        seconds = _object(body).get("advance_seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ApiError(400, "advance_seconds must be a number", code="BAD_REQUEST")
        _, fired = state.advance_clock(float(seconds))
        return Reply(200, clock_json(state, fired))
    if path == "/config" and method == "GET":
        return Reply(200, state.config.to_json())
    if path == "/config" and method == "POST":
        return Reply(200, state.configure(**_object(body)).to_json())
    if path == "/schedules" and method == "GET":
        with state.locked() as (schedules, _, _now):
            return Reply(200, schedules.all())
    if path == "/schedules" and method == "POST":
        with state.locked() as (schedules, _, now):
            created = schedules.create(
                _object(body), now=now, user=UI_USER_ID, unique=state.config.unique_names
            )
            return Reply(201, created)
    match = _SCHEDULE.match(path)
    if match is not None:
        ident = int(match.group(1))
        with state.locked() as (schedules, _, now):
            if method == "GET":
                extra = {"fires": schedules.fires(ident), "queued": schedules.queued(ident)}
                return Reply(200, {**schedules.get(ident), **extra})
            if method == "PATCH":
                edited = schedules.edit(
                    ident, _object(body), now=now, unique=state.config.unique_names
                )
                return Reply(200, edited)
            if method == "DELETE":
                schedules.delete(ident)
                return Reply(200, {"deleted": ident})
    raise ApiError(404, f"No control endpoint {method} /_sandbox{path}", code="NOT_FOUND")
