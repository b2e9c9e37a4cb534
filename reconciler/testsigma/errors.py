"""The client's error taxonomy: one class per thing a caller decides on.

Every error names the call (`POST /schedule_executions`) and carries one
readable line built from Testsigma's error body (`{error, code, fieldErrors,
objectErrors}`), never the request headers, so the API key cannot leak
through a message.
"""

from __future__ import annotations

from typing import Any

from reconciler.core.errors import ReconcilerError


class ApiError(ReconcilerError):
    """A call to Testsigma failed; `call` says which, `status` the HTTP code (None: no answer)."""

    def __init__(self, call: str, detail: str, *, status: int | None = None) -> None:
        self.call = call
        self.status = status
        self.detail = detail
        code = f" answered {status}" if status is not None else ""
        super().__init__(f"{call}{code}: {detail}")


class AuthError(ApiError):
    """401/403: the key is missing, wrong or lacks rights."""


class NotFoundError(ApiError):
    """404: the resource does not exist (for a schedule: deleted outside)."""


class NotOfferedError(ApiError):
    """405/501: the server does not offer this call (e.g. reading schedules)."""


class DuplicateNameError(ApiError):
    """422 on create: a schedule of that name already exists."""


class RequestRejected(ApiError):
    """400/409/422: the server refused the body; retrying cannot help."""


class PastTimeError(ApiError):
    """The 500 "Current time is greater than given time": never retried."""


class ServerError(ApiError):
    """5xx (or 429) that persisted through every retry."""


class BadResponseError(ApiError):
    """The server answered something that is not what the API documents."""


class TransportError(ApiError):
    """No answer: the connection failed before the request was sent (safe to retry)."""


class DeadlineExceeded(TransportError):
    """The call did not complete within `--timeout` (connect, send, read, retries, pages).

    Raised as such only when nothing changing may have reached the server (a
    read, or a changing call that was never sent); otherwise the outcome is
    unknown (`OutcomeUnknownError`).
    """


class Cancelled(TransportError):
    """Interrupted by SIGINT or SIGTERM before an answer came (a read, or nothing sent)."""


class RateLimited(ApiError):
    """429 until the deadline: the server refused every attempt, so it certainly did not act."""


class ResponseTooLarge(BadResponseError):
    """The answer was larger than the cap (decompressed size counted); it was not read further."""


class ProtocolError(BadResponseError):
    """The answer breaks the API's contract: an id that is not a positive integer, a
    `nextInterval` that is not epoch milliseconds, pages that repeat or never end."""


class ReportNotReady(BadResponseError):
    """The JUnit report was asked for before the run completed (Testsigma answers 200 text)."""


class LookupIncomplete(ApiError):
    """A search for schedules by name could not be completed: the name's absence is UNKNOWN.

    Callers must never read it as "not found": no create may be sent on it.
    """


class OutcomeUnknownError(ApiError):
    """A changing call may have been processed but no definite answer came.

    A timeout or reset after sending, or a 500/502/503/504. Such a call is never
    repeated blindly: the journal keeps it unresolved, and it is resolved by a
    lookup (schedules) or reported (runs), never sent again on a guess.
    """


def describe_error_body(body: Any) -> str:
    """Turn Testsigma's error JSON into one line: "error (code): field: message; ..."."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    error = body.get("error") or body.get("message")
    if isinstance(error, str) and error:
        parts.append(error)
    code = body.get("code")
    if isinstance(code, str | int) and code and str(code) != str(error):
        parts.append(f"({code})")
    details: list[str] = []
    for key in ("fieldErrors", "objectErrors"):
        items = body.get(key)
        if not isinstance(items, list):
            continue
        for item in items:
            if isinstance(item, dict):
                field = item.get("field") or item.get("objectName") or ""
                message = item.get("message") or item.get("defaultMessage") or item.get("code")
                details.append(f"{field}: {message}" if field else str(message))
            elif isinstance(item, str):
                details.append(item)
    line = " ".join(parts)
    if details:
        line = f"{line}: {'; '.join(details)}" if line else "; ".join(details)
    return line
