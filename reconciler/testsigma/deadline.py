"""A wall-clock deadline over a whole client call, and cancellation on a signal.

`--read-timeout` bounds one silence between two bytes, and a server that
trickles one byte per second resets it forever. The deadline bounds the
whole call instead (connect, send, every read of the answer, the retries and
every page): `Budget` carries it, and `install` wraps the network backend of
an httpx client so that every socket operation of the calling thread waits
at most until the budget's deadline. Reads and connects wait in short
slices, so a `Cancellation` set by a signal handler ends a hung read (or a
connect into a black hole) within `SLICE` seconds on every worker thread.

The budget travels in a thread-local: httpx runs a request's socket work on
the calling thread, so each worker sees its own call's deadline.
"""

from __future__ import annotations

import errno
import math
import os
import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx
from httpcore._backends.sync import SyncStream  # the default stream around a connected socket

#: The longest a blocked read waits before it looks at the deadline and the cancellation again.
SLICE = 0.2


class Cancellation:
    """Set once (by a signal handler): every call of the client stops as soon as it can."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def reset(self) -> None:
        """Allow calls again (once no call of the cancelled batch is in flight)."""
        self._event.clear()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True (early) when cancelled meanwhile."""
        return self._event.wait(max(0.0, seconds))


@dataclass(frozen=True, slots=True)
class Budget:
    """The deadline of one client call (monotonic seconds) and the run's cancellation."""

    seconds: float
    ends_at: float
    cancellation: Cancellation = field(default_factory=Cancellation)

    @classmethod
    def starting_now(cls, seconds: float, cancellation: Cancellation) -> Budget:
        return cls(seconds, time.monotonic() + seconds, cancellation)

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    @property
    def cancelled(self) -> bool:
        return self.cancellation.cancelled

    def clamp(self, timeout: float | None) -> float:
        """`timeout` shortened to what is left (never negative, never None)."""
        left = max(0.0, self.remaining())
        return left if timeout is None else min(timeout, left)


_current = threading.local()


@contextmanager
def bound(budget: Budget) -> Iterator[None]:
    """Apply `budget` to every socket operation of this thread inside the block."""
    previous = getattr(_current, "budget", None)
    _current.budget = budget
    try:
        yield
    finally:
        _current.budget = previous


def _budget() -> Budget | None:
    value = getattr(_current, "budget", None)
    return value if isinstance(value, Budget) else None


class _Stream(httpcore.NetworkStream):
    """A socket stream whose waits end at the thread's deadline or on cancellation."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        budget = _budget()
        if budget is None:
            return self._inner.read(max_bytes, timeout)
        silence_ends = math.inf if timeout is None else time.monotonic() + timeout
        while True:
            if budget.cancelled:
                raise httpcore.ReadTimeout("cancelled")
            left = min(silence_ends - time.monotonic(), budget.remaining())
            if left <= 0:
                raise httpcore.ReadTimeout("deadline")
            try:
                return self._inner.read(max_bytes, min(SLICE, left))
            except httpcore.ReadTimeout:
                continue  # a slice passed in silence: look at the clock and the signal again

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        budget = _budget()
        if budget is not None:
            if budget.cancelled or budget.expired:
                raise httpcore.WriteTimeout("deadline")
            timeout = budget.clamp(timeout)
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget()
        if budget is not None:
            timeout = budget.clamp(timeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """The default backend, with every stream wrapped and every connect clamped."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget()
        if budget is None or not hasattr(select, "poll"):
            if budget is not None:
                timeout = budget.clamp(timeout)
            return _Stream(
                self._inner.connect_tcp(
                    host, port, timeout, local_address=local_address, socket_options=socket_options
                )
            )
        ends = (
            budget.ends_at if timeout is None else min(budget.ends_at, time.monotonic() + timeout)
        )
        sock = _connect(host, port, ends=ends, budget=budget, local_address=local_address)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            sock.close()
            raise httpcore.ConnectError("socket options") from exc
        return _Stream(SyncStream(sock))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _connect(
    host: str, port: int, *, ends: float, budget: Budget, local_address: str | None
) -> socket.socket:
    """A TCP connection made in slices, so a connect into a black hole notices the deadline
    and a cancellation within `SLICE` seconds (the resolver itself is not bounded)."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise httpcore.ConnectError("name resolution failed") from exc
    last: OSError | None = None
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            if local_address:
                sock.bind((local_address, 0))
            sock.setblocking(False)
            code = sock.connect_ex(address)
            if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
                raise OSError(code, os.strerror(code))
            if code:
                _wait_writable(sock, ends=ends, budget=budget)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise OSError(code, os.strerror(code))
            sock.setblocking(True)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
        except BaseException:
            sock.close()
            raise
    raise httpcore.ConnectError("could not connect") from last


def _wait_writable(sock: socket.socket, *, ends: float, budget: Budget) -> None:
    poller = select.poll()
    poller.register(sock, select.POLLOUT)
    while True:
        if budget.cancelled:
            raise httpcore.ConnectTimeout("cancelled")
        left = ends - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("deadline")
        if poller.poll(max(1, int(min(SLICE, left) * 1000))):
            return


def install(client: httpx.Client) -> int:
    """Wrap the network backend of every transport of `client`; the number wrapped.

    httpx builds its connection pools itself and offers no public hook for the
    backend, so this reaches the pools' `_network_backend`. A test asserts it
    keeps working (an httpx upgrade that moves it fails loudly, not silently).
    """
    wrapped = 0
    for transport in [client._transport, *client._mounts.values()]:
        if not isinstance(transport, httpx.HTTPTransport):
            continue
        pool = transport._pool
        if isinstance(pool, httpcore.ConnectionPool):
            if not isinstance(pool._network_backend, _Backend):
                pool._network_backend = _Backend(pool._network_backend)
            wrapped += 1
    return wrapped
