"""One HTTP call with its retries, under a deadline, a size cap and the shared limiter.

`Session.request` is the only place the client touches the network. Every
failure becomes an `ApiError` subclass that names the call and says what a
caller may conclude: nothing happened (retry or report), the server may have
acted (`OutcomeUnknownError`: never sent again), or the server refused.
A transport exception's own text is never put into a message (it can quote
request headers, and so the API key): only its kind, and the operating
system's reason for a failed connection.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from reconciler.testsigma import deadline
from reconciler.testsigma.body import (
    ACCEPT_ENCODING,
    MAX_ANSWER_BYTES,
    BodyInterrupted,
    BodyTooLarge,
    BodyUnreadable,
    read_body,
)
from reconciler.testsigma.deadline import SLICE, Budget, Cancellation
from reconciler.testsigma.errors import (
    ApiError,
    BadResponseError,
    Cancelled,
    DeadlineExceeded,
    OutcomeUnknownError,
    PastTimeError,
    ProtocolError,
    RateLimited,
    ResponseTooLarge,
    TransportError,
)
from reconciler.testsigma.responses import error_for
from reconciler.testsigma.retry import (
    UNKNOWN_STATUSES,
    AdaptiveLimiter,
    LimiterTimeout,
    RetryPolicy,
    parse_retry_after,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_KINDS: dict[type[httpx.HTTPError], str] = {
    httpx.ConnectTimeout: "connecting timed out",
    httpx.ConnectError: "could not connect",
    httpx.PoolTimeout: "no free connection",
    httpx.ReadTimeout: "no answer in time",
    httpx.WriteTimeout: "sending timed out",
    httpx.ReadError: "the connection broke while reading the answer",
    httpx.WriteError: "the connection broke while sending",
    httpx.RemoteProtocolError: "the server closed the connection or broke the HTTP protocol",
    httpx.LocalProtocolError: "the request could not be sent",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """A complete answer: status, headers and the decoded body (within the cap)."""

    call: str
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class _Failure:
    error: ApiError
    sent: bool  # the request may have reached the server
    final: bool = False  # another attempt would get the same (a body over the cap)


class Session:
    """An httpx client with the deadline backend, the shared limiter and the retry loop."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        base_url: str,
        total_seconds: float,
        policy: RetryPolicy,
        limiter: AdaptiveLimiter,
        cancellation: Cancellation,
        rng: random.Random,
    ) -> None:
        self._http = http
        self.base_url = base_url
        self.total_seconds = total_seconds
        self.policy = policy
        self.limiter = limiter
        self.cancellation = cancellation
        self._rng = rng
        self.hard_deadline = deadline.install(http) > 0

    def budget(self) -> Budget:
        """A fresh deadline of `--timeout` seconds for one call (pages share one)."""
        return Budget.starting_now(self.total_seconds, self.cancellation)

    def request(
        self,
        method: str,
        path: str,
        *,
        accept: Callable[[Answer], T],
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        cap: int = MAX_ANSWER_BYTES,
        budget: Budget | None = None,
    ) -> T:
        """One call with the retry policy; `accept` turns a 2xx answer into the result."""
        call = f"{method} {path}"
        budget = budget or self.budget()
        changing = method != "GET"
        attempts = 0
        throttled = 0
        last: ApiError | None = None
        with deadline.bound(budget):
            while True:
                try:
                    started = self.limiter.acquire(
                        wait_until=budget.ends_at, cancelled=lambda: budget.cancelled, slice_=SLICE
                    )
                except LimiterTimeout:
                    raise self._out_of_time(call, budget, last) from None
                retry_after: float | None = None
                is_429 = False
                try:
                    result = self._attempt(method, path, call, budget, cap, json, params, headers)
                    if isinstance(result, Answer):
                        is_429 = result.status == 429
                        retry_after = parse_retry_after(result.headers.get("Retry-After"))
                finally:
                    self.limiter.release(started, throttled=is_429, retry_after=retry_after)
                failure = self._judge(result, method=method, accept=accept)
                if not isinstance(failure, _Failure):
                    return failure
                if failure.sent and changing:
                    raise _unknown(failure.error)
                if failure.final:
                    raise failure.error
                if budget.cancelled or budget.expired:
                    raise self._out_of_time(call, budget, failure.error)
                last = failure.error
                if is_429:
                    throttled += 1
                else:
                    attempts += 1
                    if attempts >= self.policy.max_attempts:
                        raise _gave_up(failure.error, attempts)
                count = throttled if is_429 else attempts
                self._pause(
                    self.policy.delay(count, retry_after=retry_after, rng=self._rng),
                    call=call,
                    budget=budget,
                    last=last,
                    attempt=attempts + throttled,
                )

    def _pause(
        self, wait: float, *, call: str, budget: Budget, last: ApiError, attempt: int
    ) -> None:
        """Wait before the next attempt; raise at once when the wait cannot fit the deadline."""
        if wait >= budget.remaining():
            raise self._out_of_time(call, budget, last, waiting=wait)
        log.debug(
            "retrying %s: attempt %d failed (%s); waiting %.2fs",
            call,
            attempt,
            last.detail if last.status is None else f"{last.status} {last.detail}",
            wait,
        )
        if self.cancellation.wait(wait):
            raise self._out_of_time(call, budget, last)

    def _judge(
        self, result: Answer | _Failure, *, method: str, accept: Callable[[Answer], T]
    ) -> T | _Failure:
        """The result, or the failure with whether another attempt may be made."""
        if isinstance(result, _Failure):
            return result
        if 200 <= result.status < 300:
            try:
                return accept(result)
            except ProtocolError:
                raise
            except BadResponseError as garbled:
                if method != "GET":
                    raise _unknown(garbled) from None
                return _Failure(garbled, sent=True)
        error = error_for(result.call, result.status, result.headers, result.body)
        if result.status == 429:
            return _Failure(error, sent=False)  # refused: certainly not done
        if isinstance(error, PastTimeError):
            raise error
        if method == "GET" and self.policy.retries_status(result.status, method=method):
            return _Failure(error, sent=True)
        if method != "GET" and result.status in UNKNOWN_STATUSES:
            raise _unknown(error)
        raise error

    def _attempt(
        self,
        method: str,
        path: str,
        call: str,
        budget: Budget,
        cap: int,
        json: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> Answer | _Failure:
        request = self._http.build_request(
            method,
            path,
            json=json,
            params=params,
            headers={"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})},
        )
        try:
            response = self._http.send(request, stream=True)
        except _NOT_SENT as exc:
            return _Failure(TransportError(call, self._reason(exc, budget)), sent=False)
        except httpx.HTTPError as exc:
            return _Failure(TransportError(call, self._reason(exc, budget)), sent=True)
        status = response.status_code
        try:
            body = read_body(response, cap=cap, budget=budget)
        except BodyTooLarge as exc:
            detail = f"the answer is larger than the {exc.cap // (1024 * 1024)} MiB cap "
            detail += "(decompressed); it was not read further"
            return _Failure(ResponseTooLarge(call, detail, status=status), sent=True, final=True)
        except BodyUnreadable as exc:
            error = BadResponseError(call, str(exc), status=status)
            return _Failure(error, sent=True, final=True)
        except BodyInterrupted:
            return _Failure(TransportError(call, self._reason(None, budget)), sent=True)
        except httpx.HTTPError as exc:
            return _Failure(TransportError(call, self._reason(exc, budget)), sent=True)
        finally:
            response.close()
        return Answer(call, status, response.headers, body)

    def _reason(self, exc: httpx.HTTPError | None, budget: Budget) -> str:
        if budget.cancelled:
            return "interrupted"
        if budget.expired:
            return f"no complete answer within the {budget.seconds:g} s deadline (--timeout)"
        kind = next((text for cls, text in _KINDS.items() if isinstance(exc, cls)), "failed")
        os_error = _os_error(exc)
        why = f" ({os_error})" if os_error else ""
        return f"{kind}{why} talking to {self.base_url}"

    def _out_of_time(
        self, call: str, budget: Budget, last: ApiError | None, *, waiting: float | None = None
    ) -> ApiError:
        if budget.cancelled:
            return Cancelled(call, "interrupted before an answer came")
        if last is not None and last.status == 429:
            pause = f" (the next attempt would wait {waiting:g} s)" if waiting is not None else ""
            return RateLimited(
                call,
                f"still rate limited (429) at the {budget.seconds:g} s deadline (--timeout)"
                f"{pause}: the server did not act; try again later or lower --parallelism",
                status=429,
            )
        detail = f"no complete answer within the {budget.seconds:g} s deadline (--timeout)"
        if last is not None and "deadline" not in last.detail:
            detail += f"; last attempt: {last.detail}"
        return DeadlineExceeded(call, detail, status=last.status if last else None)


def _unknown(error: ApiError) -> OutcomeUnknownError:
    return OutcomeUnknownError(
        error.call,
        f"{error.detail}; the server may have acted, so it is not sent again",
        status=error.status,
    )


def _gave_up(error: ApiError, attempts: int) -> ApiError:
    return type(error)(
        error.call, f"{error.detail} (gave up after {attempts} attempts)", status=error.status
    )


def _os_error(exc: BaseException | None) -> str:
    """The operating system's reason for a failed connection (never the request's text)."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return ""
