"""TLS through the deadline layer: a private CA via --ca-bundle, and a trickle over TLS."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reconciler.testsigma.client import TestsigmaClient, Timeouts
from reconciler.testsigma.errors import DeadlineExceeded, TransportError
from reconciler.testsigma.retry import RetryPolicy

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stop = threading.Event()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        if self.path.endswith("/schedule_executions/1"):
            body = b'{"id": 1, "name": "tls", "nextInterval": 1800000000000}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)  # anything else trickles, one byte every 0.3 s
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            while not self.stop.wait(0.3):
                self.wfile.write(b" ")
                self.wfile.flush()
        except OSError:
            return


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/api/v1", cert
    finally:
        Handler.stop.set()
        server.shutdown()
        server.server_close()


def client_for(url: str, cert: Path | None, *, total: float = 30) -> TestsigmaClient:
    return TestsigmaClient(
        base_url=url,
        api_key="k" * 20,
        ca_bundle=str(cert) if cert else None,
        timeouts=Timeouts(read=5, total=total),
        retry=RetryPolicy(max_attempts=1),
    )


def test_a_private_ca_is_trusted_through_the_ca_bundle(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    with client_for(url, cert) as client:
        assert client.hard_deadline
        assert client.get_schedule(1).name == "tls"


def test_without_the_bundle_the_certificate_is_refused(tls_server: tuple[str, Path]) -> None:
    url, _ = tls_server
    with client_for(url, None) as client, pytest.raises(TransportError, match="could not connect"):
        client.get_schedule(1)


def test_a_trickle_over_tls_ends_at_the_deadline(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    with client_for(url, cert, total=1.5) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match=r"1\.5 s deadline"):
            client.get_run(7)
        assert time.monotonic() - started <= 1.5 + 1.5
