"""Reading an answer's body within a size cap and the call's deadline.

httpx would read a whole body into memory, and decompress a gzip body in
one piece per network chunk (a 64 KiB chunk of a gzip bomb is 64 MiB). Here
the raw bytes are read chunk by chunk and decompressed with a bounded output
size, so the *decompressed* size is counted as it grows and reading stops
the moment it passes the cap. The deadline and the cancellation are looked
at after every chunk as well (the socket layer enforces them within a chunk).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import httpx

from reconciler.testsigma.deadline import Budget

#: The largest answer the client reads, decompressed (a page of 2,000 schedules is ~1 MiB).
MAX_ANSWER_BYTES = 8 * 1024 * 1024
#: The largest JUnit report it reads.
MAX_REPORT_BYTES = 32 * 1024 * 1024
#: What the client accepts as Content-Encoding (decoded here, under the cap).
ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLarge(Exception):
    """The decompressed body passed the cap."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"more than {cap // (1024 * 1024)} MiB")
        self.cap = cap


class BodyUnreadable(Exception):
    """The body's encoding is unknown or its compressed data is corrupt."""


class BodyInterrupted(Exception):
    """The deadline passed, or the run was cancelled, while the body was read."""


@dataclass(frozen=True, slots=True)
class _Decoder:
    inflate: zlib._Decompress | None

    @classmethod
    def for_encoding(cls, header: str) -> _Decoder:
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if not codings:
            return cls(None)
        if len(codings) > 1:
            raise BodyUnreadable(f"stacked content encodings ({header}) are not accepted")
        if codings[0] in ("gzip", "x-gzip"):
            return cls(zlib.decompressobj(16 + zlib.MAX_WBITS))
        if codings[0] == "deflate":
            return cls(zlib.decompressobj(zlib.MAX_WBITS))
        raise BodyUnreadable(f"unknown content encoding {codings[0]!r}")

    def feed(self, raw: bytes, room: int) -> bytes:
        """Up to `room + 1` decoded bytes of `raw` (one more than fits means: too large)."""
        if self.inflate is None:
            return raw
        try:
            return self.inflate.decompress(raw, room + 1)
        except zlib.error:
            raise BodyUnreadable("the compressed body is corrupt") from None

    def finish(self, room: int) -> bytes:
        if self.inflate is None:
            return b""
        try:
            return self.inflate.flush()[: room + 1]
        except zlib.error:
            raise BodyUnreadable("the compressed body is corrupt") from None


def read_body(response: httpx.Response, *, cap: int, budget: Budget) -> bytes:
    """The decoded body of a streamed `response`, at most `cap` bytes.

    Raises BodyTooLarge past the cap, BodyUnreadable for an unknown encoding
    or corrupt data, BodyInterrupted past the deadline or on cancellation.
    Transport errors (httpx.HTTPError) propagate.
    """
    if response.is_stream_consumed:  # built in memory (a mock transport): already decoded
        if len(response.content) > cap:
            raise BodyTooLarge(cap)
        return response.content
    decoder = _Decoder.for_encoding(response.headers.get("Content-Encoding", ""))
    parts: list[bytes] = []
    size = 0
    raw_size = 0
    for raw in response.iter_raw():
        raw_size += len(raw)
        if raw_size > cap + 65536:  # compressed data that inflates to nothing still counts
            raise BodyTooLarge(cap)
        decoded = decoder.feed(raw, cap - size)
        size += len(decoded)
        if size > cap:
            raise BodyTooLarge(cap)
        parts.append(decoded)
        if budget.cancelled or budget.expired:
            raise BodyInterrupted
    tail = decoder.finish(cap - size)
    if size + len(tail) > cap:
        raise BodyTooLarge(cap)
    parts.append(tail)
    return b"".join(parts)
