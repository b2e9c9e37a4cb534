"""One request through the sandbox, whatever carried it: auth, control, faults, API, log.

Both carriers call `process`: the HTTP server (`server.py`, real sockets) and
the in-process httpx transport (`transport.py`). The order is the server's:
the `/ui/` stub, then authentication (401 is plain text "Incorrect API Key"),
then the control endpoints when they are switched on, then for API calls:
latency, the rate limiter (429 + Retry-After), a drawn fault (answered
instead of the call), the call itself, then commit-then-fail (a change that
took effect answered with a gateway status) and the request log.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reconciler.sandbox.api import Reply, handle_api
from reconciler.sandbox.apierror import ApiError
from reconciler.sandbox.config import RequestRecord
from reconciler.sandbox.control import handle_control
from reconciler.sandbox.state import SandboxState

API_BASE = "/api/v1"
CONTROL_BASE = "/_sandbox"
CHANGING = frozenset({"POST", "PUT", "DELETE", "PATCH"})
UNAUTHORISED_TEXT = "Incorrect API Key"
_GARBAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>upstream hiccup</body></html>",
    '{"content": [{"id": 10',
)
_BAD_JSON = object()


@dataclass(frozen=True, slots=True)
class Incoming:
    """A request as read off the wire: `target` is the path with its raw query string."""

    method: str
    target: str
    headers: Mapping[str, str]  # keys in lower case
    body: bytes


def encode(reply: Reply) -> tuple[bytes, dict[str, str]]:
    """The body bytes and headers of a reply."""
    if reply.text is not None:
        payload = reply.text.encode()
    elif reply.body is None and reply.status in (202, 204):
        payload = b""
    else:
        payload = json.dumps(reply.body).encode()
    headers = {
        "Content-Type": f"{reply.content_type}; charset=utf-8",
        "Content-Length": str(len(payload)),
        **reply.headers,
    }
    return payload, headers


def _authorised(headers: Mapping[str, str], api_key: str) -> bool:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), api_key.encode()
    )


def process(
    state: SandboxState,
    incoming: Incoming,
    *,
    api_key: str,
    root_url: str,
    sleep: Callable[[float], None] = time.sleep,
) -> Reply | None:
    """The reply to one request, or None to drop the connection without one."""
    split = urlsplit(incoming.target)
    path = split.path
    if path.startswith("/ui/"):
        return Reply(200, text=f"<html><body>{path}</body></html>", content_type="text/html")
    if not _authorised(incoming.headers, api_key):
        return Reply(401, text=UNAUTHORISED_TEXT, content_type="text/plain")
    try:
        body = json.loads(incoming.body) if incoming.body else None
    except ValueError:
        body = _BAD_JSON
    if state.config.control and (path == CONTROL_BASE or path.startswith(CONTROL_BASE + "/")):
        if body is _BAD_JSON:
            return Reply(400, ApiError(400, "Malformed JSON", code="BAD_REQUEST").body())
        return handle_control(
            state, method=incoming.method, path=path[len(CONTROL_BASE) :], body=body
        )
    if path == API_BASE or path.startswith(API_BASE + "/"):
        query: dict[str, str] = {}
        for key, value in parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(key, value)
        call = _Call(state, incoming, path[len(API_BASE) :] or "/", query, body, root_url)
        return call.run(sleep)
    return Reply(404, ApiError(404, f"No endpoint {path}", code="NOT_FOUND").body())


@dataclass(slots=True)
class _Call:
    state: SandboxState
    incoming: Incoming
    path: str
    query: dict[str, str]
    body: Any
    root_url: str

    def _log(self, status: int | None, fault: str | None = None, committed: bool = False) -> None:
        logged_body = None if self.body is _BAD_JSON else self.body
        self.state.record(
            RequestRecord(
                method=self.incoming.method,
                path=self.path,
                query=self.query,
                body=logged_body,
                status=status,
                fault=fault,
                committed=committed,
            )
        )

    def run(self, sleep: Callable[[float], None]) -> Reply | None:
        state = self.state
        delay = state.latency_seconds()
        if delay > 0:
            sleep(delay)
        retry_after = state.take_token()
        if retry_after is not None:
            self._log(429, "rate_limit")
            error = ApiError(429, "Too many requests", code="TOO_MANY_REQUESTS")
            return Reply(429, error.body(), headers={"Retry-After": str(retry_after)})
        fault = state.draw_fault()
        kind = fault[0] if fault else None
        if kind == "drop":
            self._log(None, kind)
            return None
        if fault is not None and kind != "drop_after_commit":
            reply = _fault_reply(fault)
            self._log(reply.status, kind)
            return reply
        reply = self._handle()
        committed = 200 <= reply.status < 300
        commit_fail = None
        if kind is None and committed and self.incoming.method in CHANGING:
            commit_fail = state.draw_commit_failure()
        if kind == "drop_after_commit":
            self._log(None, kind, committed)
            return None
        if commit_fail is not None:
            self._log(commit_fail, f"commit_then_{commit_fail}", committed)
            return _gateway(commit_fail)
        self._log(reply.status, None, committed)
        return reply

    def _handle(self) -> Reply:
        if self.body is _BAD_JSON:
            return Reply(400, ApiError(400, "Malformed JSON", code="BAD_REQUEST").body())
        return handle_api(
            self.state,
            method=self.incoming.method,
            path=self.path,
            query=self.query,
            body=self.body,
            headers=dict(self.incoming.headers),
            base_url=self.root_url,
        )


def _gateway(status: int) -> Reply:
    return Reply(
        status,
        text=f"<html><body><h1>{status} Gateway error</h1></body></html>",
        content_type="text/html",
    )


def _fault_reply(fault: tuple[str, int]) -> Reply:
    kind, variant = fault
    if kind == "429":
        error = ApiError(429, "Too many requests", code="TOO_MANY_REQUESTS")
        return Reply(429, error.body(), headers={"Retry-After": str(variant)})
    if kind == "garbage":
        return Reply(200, text=_GARBAGE[variant], content_type="text/html")
    if kind == "500":
        return Reply(500, ApiError(500, "Internal server error", code="INTERNAL_ERROR").body())
    return _gateway(int(kind))
