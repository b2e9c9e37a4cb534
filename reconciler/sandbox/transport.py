"""In-process mode: an httpx transport that calls the sandbox's pipeline directly.

For unit-level tests: no socket, no server thread, the same routes, quirks and
faults as over HTTP (a dropped connection raises `httpx.RemoteProtocolError`,
as it does on a socket; latency is slept on the caller's thread). Integration
tests keep real HTTP (`Sandbox.start()`), which is what the product meets.

    sandbox = Sandbox(api_key="k")
    with httpx.Client(transport=sandbox.transport(), base_url=IN_PROCESS_URL) as http:
        http.get("/test_plans", headers={"Authorization": "Bearer k"})
"""

from __future__ import annotations

import httpx

from reconciler.sandbox.pipeline import API_BASE, Incoming, encode, process
from reconciler.sandbox.state import SandboxState

#: The origin in-process clients use (never resolved: nothing leaves the process).
IN_PROCESS_ROOT = "http://sandbox.invalid"
IN_PROCESS_URL = IN_PROCESS_ROOT + API_BASE


class SandboxTransport(httpx.BaseTransport):
    """Answers httpx requests from a sandbox's state, in the calling thread."""

    def __init__(self, state: SandboxState, *, api_key: str) -> None:
        self._state = state
        self._api_key = api_key

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode("ascii")
        incoming = Incoming(
            method=request.method,
            target=target,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.read(),
        )
        reply = process(self._state, incoming, api_key=self._api_key, root_url=IN_PROCESS_ROOT)
        if reply is None:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        payload, headers = encode(reply)
        return httpx.Response(reply.status, headers=headers, content=payload, request=request)
