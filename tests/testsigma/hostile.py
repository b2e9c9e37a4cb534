"""A hostile Testsigma: one bad behaviour per scenario, on 127.0.0.1 only.

Each scenario is what a broken proxy, a hung backend or a malicious server
could send; the tests drive the real CLI as a child process against it.

- `trickle`: every answer is a 200 whose body arrives one byte per second.
- `hang`: reads the request, then never answers.
- `gzip_bomb`: a 1 MiB gzip body that inflates to 1 GiB.
- `huge`: a plain 300 MiB body.
- `endless_pages`: every page says `last: false`, with new ids, forever.
- `repeating_page`: the same page, `last: false`, forever.
- `post_502`: a POST is committed (counted), then answered 502.
- `rate_limited`: a token bucket of `rate` requests per second (burst `burst`)
  shared by every call; over it, 429 (with `Retry-After: 1` on every other one).
- `run_then_hang`: starts a run (POST), then never answers a poll (GET).
- `auth`: a correct server that checks the Bearer key (plain-text 401 otherwise).

Every scenario also answers as a proxy would (absolute-form request lines),
so a test can point HTTP(S)_PROXY at it and prove that nothing was sent.
"""

from __future__ import annotations

import json
import struct
import threading
import time
import zlib
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@lru_cache(maxsize=1)
def gzip_bomb(inflated: int = 1024**3) -> bytes:
    """A valid gzip stream of `inflated` zero bytes (about 1 MiB for 1 GiB).

    After a full flush, deflate forgets what came before, so each further
    MiB of zeros compresses to the same bytes: the stream is built from one
    compressed block repeated, and a trailer with the right CRC and size.
    """
    block = b"\0" * (1024 * 1024)
    count = inflated // len(block)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH) == again
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, inflated & 0xFFFFFFFF)
    return header + first + again * (count - 1) + packer.flush() + trailer


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that hangs up on a hostile answer is the expected case


class HostileServer:
    """`with HostileServer("trickle") as server:` ... `server.url`, `server.requests`."""

    def __init__(self, scenario: str, *, key: str = "", rate: float = 10, burst: int = 5) -> None:
        self.scenario = scenario
        self.key = key
        self.rate = rate
        self.burst = burst
        self.requests: list[tuple[str, str]] = []  # (method, path), in arrival order
        self.throttled = 0
        self.created: list[dict[str, Any]] = []
        self.first_request = threading.Event()
        self.first_get = threading.Event()
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._refilled = time.monotonic()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def count(self, method: str) -> int:
        with self._lock:
            return sum(1 for m, _ in self.requests if m == method)

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))
        self.first_request.set()
        if method == "GET":
            self.first_get.set()

    def take_token(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            self.throttled += 1
            return False


def _handler_for(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("://", 1)[-1]
            path = path[path.find("/") :] if "://" in self.path else path
            server.record(self.command, path)
            try:
                getattr(self, "_" + server.scenario)(path, body)
            except (BrokenPipeError, ConnectionResetError):
                return

        # --- helpers ---------------------------------------------------------

        def _send(
            self, status: int, body: bytes, *, ctype: str = "application/json", **headers: str
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: object, **headers: str) -> None:
            self._send(status, json.dumps(data).encode(), **headers)

        def _page(self, path: str) -> int:
            query = path.partition("?")[2]
            params = dict(p.partition("=")[::2] for p in query.split("&") if p)
            return int(params.get("page", "0"))

        # --- scenarios -------------------------------------------------------

        def _trickle(self, path: str, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"{")
            self.wfile.flush()
            while not server.stop.wait(1.0):
                self.wfile.write(b" ")
                self.wfile.flush()

        def _hang(self, path: str, body: bytes) -> None:
            server.stop.wait(120)

        def _gzip_bomb(self, path: str, body: bytes) -> None:
            self._send(200, gzip_bomb(), Content_Encoding="gzip")

        def _huge(self, path: str, body: bytes) -> None:
            size = 300 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = b" " * (1024 * 1024)
            for _ in range(size // len(block)):
                if server.stop.is_set():
                    return
                self.wfile.write(block)

        def _endless_pages(self, path: str, body: bytes) -> None:
            if "saved_execution_configs" in path:
                self._json(200, [])
                return
            number = self._page(path)
            items = [{"id": number * 3 + k + 1, "name": f"plan {number}.{k}"} for k in range(3)]
            self._json(200, {"content": items, "number": number, "last": False})

        def _repeating_page(self, path: str, body: bytes) -> None:
            if "saved_execution_configs" in path:
                self._json(200, [])
                return
            items = [{"id": 1, "name": "plan"}, {"id": 2, "name": "other"}]
            self._json(200, {"content": items, "number": 0, "last": False})

        def _post_502(self, path: str, body: bytes) -> None:
            if self.command == "POST":
                server.created.append(json.loads(body))
                self._json(502, {"error": "Bad Gateway"})
            else:
                self._json(200, {"content": [], "totalPages": 0, "totalElements": 0, "last": True})

        def _rate_limited(self, path: str, body: bytes) -> None:
            if not server.take_token():
                extra = {"Retry_After": "1"} if server.throttled % 2 else {}
                self._json(429, {"error": "Too many requests"}, **extra)
                return
            if self.command == "POST":
                with server._lock:
                    created = {**json.loads(body), "id": len(server.created) + 1}
                    server.created.append(created)
                self._json(201, created)
            else:
                self._json(200, {"content": [], "totalPages": 0, "totalElements": 0, "last": True})

        def _run_then_hang(self, path: str, body: bytes) -> None:
            if self.command == "POST":
                self._json(200, {"id": 77, "status": "STATUS_CREATED", "result": "QUEUED"})
            else:
                server.stop.wait(120)

        def _auth(self, path: str, body: bytes) -> None:
            if self.headers.get("Authorization") != f"Bearer {server.key}":
                self._send(401, b"Incorrect API Key", ctype="text/plain")
                return
            if "saved_execution_configs" in path:
                self._json(200, [])
                return
            items = [{"id": 3857, "name": "Regression", "applicationVersionId": 1}]
            if "test_plans" not in path:
                items = []
            self._json(200, {"content": items, "totalPages": 1, "totalElements": 1, "last": True})

    return Handler
