"""Turning Testsigma's answers into values or typed errors, trusting nothing.

An id in an answer must be a JSON integer (not a boolean, not a string like
"1009") between 1 and 2^63 - 1, the range of the server's BIGINT columns and
of the state store; a `nextInterval` read back must be epoch milliseconds.
Anything else is a `ProtocolError` for that call: recording a string id would
make every later apply re-create the schedule, and an id over 2^63 cannot be
stored at all. (Epoch milliseconds sent as a string of digits are accepted.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.testsigma.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    DuplicateNameError,
    NotFoundError,
    NotOfferedError,
    PastTimeError,
    ProtocolError,
    RequestRejected,
    ServerError,
    describe_error_body,
)

if TYPE_CHECKING:  # annotations only: reading responses needs no HTTP client
    import httpx

PAST_TIME_MESSAGE = "current time is greater than given time"
MAX_ID = 2**63 - 1
#: Epoch milliseconds from 1970 to the end of year 9999.
MAX_EPOCH_MS = 253_402_300_799_999


def snippet(text: str, limit: int = 120) -> str:
    """One line of at most `limit` characters, quoted."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "...")


def parse_json(call: str, status: int, headers: httpx.Headers, body: bytes) -> Any:
    """The JSON of a body; BadResponseError (retried for reads) when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        kind = headers.get("Content-Type", "unknown content type")
        text = body.decode("utf-8", errors="replace")
        raise BadResponseError(
            call, f"expected JSON, got {kind}: {snippet(text)}", status=status
        ) from None


def json_object(call: str, status: int, headers: httpx.Headers, body: bytes) -> dict[str, Any]:
    data = parse_json(call, status, headers, body)
    if not isinstance(data, dict):
        raise BadResponseError(
            call, f"expected a JSON object, got {type(data).__name__}", status=status
        )
    return data


def valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def require_id(data: Mapping[str, Any], call: str, *, what: str = "the answer") -> int:
    """The `id` of `data`, checked; ProtocolError otherwise (never an OverflowError)."""
    value = data.get("id")
    if valid_id(value):
        assert isinstance(value, int)
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        problem = "is out of range (ids are 1 to 2^63-1)"
    elif isinstance(value, str):
        problem = "is a string, not a JSON integer"
    elif value is None:
        problem = "is missing"
    else:
        problem = f"is a {type(value).__name__}, not a JSON integer"
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
    raise ProtocolError(call, f"the `id` of {what} {problem} ({shown}); nothing was recorded")


def check_schedule(item: Mapping[str, Any], call: str) -> dict[str, Any]:
    """A schedule as read back: a valid id, and `nextInterval` in epoch milliseconds."""
    require_id(item, call, what="a schedule")
    value = item.get("nextInterval")
    millis = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value
    if millis is not None and not (
        isinstance(millis, int) and not isinstance(millis, bool) and 0 <= millis <= MAX_EPOCH_MS
    ):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
        raise ProtocolError(
            call,
            f"schedule {item['id']} has a `nextInterval` that is not epoch milliseconds ({shown})",
        )
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise ProtocolError(call, f"schedule {item['id']} has a `name` that is not a string")
    return dict(item)


def error_for(call: str, status: int, headers: httpx.Headers, body: bytes) -> ApiError:
    """The typed error for a non-2xx answer, with Testsigma's own words in one line."""
    text = body.decode("utf-8", errors="replace")
    try:
        parsed: Any = json.loads(body) if body.strip() else None
    except (ValueError, RecursionError):
        parsed = None
    detail = describe_error_body(parsed) or (snippet(text) if text.strip() else "")
    if 300 <= status < 400:
        target = headers.get("Location", "?")
        return BadResponseError(
            call,
            f"redirected to {snippet(target, 200)}; point --api-url at the final address",
            status=status,
        )
    if status in (401, 403):
        said = f" (Testsigma said: {detail})" if detail else ""
        return AuthError(
            call,
            f"the API key was refused{said}; check TESTSIGMA_API_KEY or --api-key-file",
            status=status,
        )
    if status == 404:
        return NotFoundError(call, detail or "not found", status=status)
    if status in (405, 501):
        return NotOfferedError(call, detail or "not offered by this server", status=status)
    if (status == 422 and _names_a_duplicate(detail)) or status == 409:
        return DuplicateNameError(call, detail, status=status)
    if status == 429:
        return ServerError(call, detail or "too many requests", status=status)
    if 400 <= status < 500:
        return RequestRejected(call, detail or "refused", status=status)
    if status == 500 and PAST_TIME_MESSAGE in detail.lower():
        return PastTimeError(call, detail, status=status)
    return ServerError(call, detail or "server error", status=status)


def _names_a_duplicate(detail: str) -> bool:
    """A 422 refusing a name that is taken (the server says "Entity with same name
    already exists, Please use different name"; other servers say "duplicate")."""
    text = detail.lower()
    return "duplicate" in text or "same name already exists" in text
