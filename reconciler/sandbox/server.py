"""HTTP plumbing: parse, authenticate, delay, inject faults, log, answer.

One `ThreadingHTTPServer` thread per connection, HTTP/1.1 keep-alive, so a
client's parallel calls overlap (latency is slept outside any lock). Faults
are decided per API call from the seeded generator in `SandboxState` after
authentication; all but `drop_after_commit` short-circuit the route, so the
call has no effect. `garbage` answers 200 with a body that is not the API's
JSON, as a captive proxy would, and likewise has no effect.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reconciler.sandbox.api import Reply, handle_api
from reconciler.sandbox.apierror import ApiError
from reconciler.sandbox.config import RequestRecord
from reconciler.sandbox.control import handle_control
from reconciler.sandbox.state import SandboxState

log = logging.getLogger(__name__)

API_BASE = "/api/v1"
CONTROL_BASE = "/_sandbox"
_MUTATING = frozenset({"POST", "PUT", "DELETE", "PATCH"})
_GARBAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>upstream hiccup</body></html>",
    '{"content": [{"id": 10',
)


class _Malformed(Exception):
    """The request cannot be read as HTTP the sandbox understands."""


_BAD_JSON = object()


class SandboxHTTPServer(ThreadingHTTPServer):
    """The server with the sandbox's state and key attached for the handlers."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, port: int, *, state: SandboxState, api_key: str) -> None:
        super().__init__(("127.0.0.1", port), SandboxHandler)
        self.state = state
        self.api_key = api_key

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class SandboxHandler(BaseHTTPRequestHandler):
    """Routes `/api/v1/...` to the API, `/_sandbox/...` to control, `/ui/...` to a stub page."""

    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60
    server_version = "TestsigmaSandbox/1"

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        path = split.path
        query: dict[str, str] = {}
        for key, value in parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(key, value)
        try:
            raw = self._read_body()
        except _Malformed as exc:
            self._send(Reply(400, ApiError(400, str(exc), code="BAD_REQUEST").body()))
            return
        if path.startswith("/ui/"):
            self._send(
                Reply(200, text=f"<html><body>{path}</body></html>", content_type="text/html")
            )
            return
        if not self._authorised():
            self._send(
                Reply(
                    401,
                    ApiError(
                        401, "Unauthorized: missing or invalid API key", code="UNAUTHORIZED"
                    ).body(),
                    headers={"WWW-Authenticate": "Bearer"},
                )
            )
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = _BAD_JSON
        if path == CONTROL_BASE or path.startswith(CONTROL_BASE + "/"):
            if body is _BAD_JSON:
                self._send(Reply(400, ApiError(400, "Malformed JSON", code="BAD_REQUEST").body()))
                return
            reply = handle_control(
                self.server.state, method=self.command, path=path[len(CONTROL_BASE) :], body=body
            )
            self._send(reply)
            return
        if path == API_BASE or path.startswith(API_BASE + "/"):
            self._api(path[len(API_BASE) :] or "/", query, body)
            return
        self._send(Reply(404, ApiError(404, f"No endpoint {path}", code="NOT_FOUND").body()))

    def _api(self, path: str, query: dict[str, str], body: Any) -> None:
        state = self.server.state
        latency = state.config.latency_ms
        if latency > 0:
            time.sleep(latency / 1000)
        logged_body = None if body is _BAD_JSON else body
        record = RequestRecord(method=self.command, path=path, query=query, body=logged_body)
        fault = state.draw_fault()
        kind = fault[0] if fault else None
        if kind == "drop":
            state.record(_with(record, status=None, fault=kind))
            self.close_connection = True
            return
        if fault is not None and kind != "drop_after_commit":
            reply = _fault_reply(fault)
            state.record(_with(record, status=reply.status, fault=kind))
            self._send(reply)
            return
        if body is _BAD_JSON:
            reply = Reply(400, ApiError(400, "Malformed JSON", code="BAD_REQUEST").body())
        else:
            reply = handle_api(
                state,
                method=self.command,
                path=path,
                query=query,
                body=body,
                headers={k.lower(): v for k, v in self.headers.items()},
                base_url=self.server.root_url,
            )
        committed = 200 <= reply.status < 300
        if kind == "drop_after_commit":
            state.record(_with(record, status=None, fault=kind, committed=committed))
            self.close_connection = True
            return
        state.record(_with(record, status=reply.status, committed=committed))
        self._send(reply)

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.server.api_key.encode()
        )

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise _Malformed("Chunked request bodies are not supported; send Content-Length")
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError as exc:
            self.close_connection = True
            raise _Malformed("Bad Content-Length") from exc
        return self.rfile.read(size)

    def _send(self, reply: Reply) -> None:
        if reply.text is not None:
            payload = reply.text.encode()
        elif reply.body is None and reply.status in (202, 204):
            payload = b""
        else:
            payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", f"{reply.content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)


def _with(record: RequestRecord, **changes: Any) -> RequestRecord:
    return RequestRecord(**{**record.to_json(), **changes})


def _fault_reply(fault: tuple[str, int]) -> Reply:
    kind, variant = fault
    if kind == "429":
        error = ApiError(429, "Too many requests", code="TOO_MANY_REQUESTS")
        return Reply(429, error.body(), headers={"Retry-After": str(variant)})
    if kind == "garbage":
        return Reply(200, text=_GARBAGE[variant], content_type="text/html")
    if kind == "500":
        return Reply(500, ApiError(500, "Internal server error", code="INTERNAL_ERROR").body())
    return Reply(
        int(kind),
        text=f"<html><body><h1>{kind} Service unavailable</h1></body></html>",
        content_type="text/html",
    )
