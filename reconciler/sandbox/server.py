"""HTTP plumbing: read a request off the socket, `pipeline.process` it, write the reply.

One `ThreadingHTTPServer` thread per connection, HTTP/1.1 keep-alive, so a
client's parallel calls overlap (latency is slept outside any lock). A reply
of None (the `drop` faults) closes the connection without an answer.
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reconciler.sandbox.api import Reply
from reconciler.sandbox.apierror import ApiError
from reconciler.sandbox.pipeline import Incoming, encode, process
from reconciler.sandbox.state import SandboxState

log = logging.getLogger(__name__)


class _Malformed(Exception):
    """The request cannot be read as HTTP the sandbox understands."""


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
    """Hands every request to the pipeline (`/api/v1/...`, `/_sandbox/...`, `/ui/...`)."""

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
        try:
            raw = self._read_body()
        except _Malformed as exc:
            self._send(Reply(400, ApiError(400, str(exc), code="BAD_REQUEST").body()))
            return
        incoming = Incoming(
            method=self.command,
            target=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=raw,
        )
        reply = process(
            self.server.state,
            incoming,
            api_key=self.server.api_key,
            root_url=self.server.root_url,
        )
        if reply is None:
            self.close_connection = True
            return
        self._send(reply)

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
        payload, headers = encode(reply)
        self.send_response(reply.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)
