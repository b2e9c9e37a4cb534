"""A small, typed client for the Testsigma endpoints the reconciler uses.

One method per call of TESTSIGMA_API.md. It owns the transport concerns
(Bearer auth, JSON, timeouts, retries, the shared rate-limit pause) and turns
every failure into an `ApiError` subclass that names the call. It is
thread-safe: the apply executor shares one client between its workers.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from reconciler import __version__
from reconciler.testsigma.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    DuplicateNameError,
    NotFoundError,
    NotOfferedError,
    OutcomeUnknownError,
    PastTimeError,
    RequestRejected,
    ServerError,
    TransportError,
    describe_error_body,
)
from reconciler.testsigma.retry import RetryPolicy, SharedLimiter, parse_retry_after

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_API_URL = "https://app.testsigma.com/api/v1"
PAST_TIME_MESSAGE = "current time is greater than given time"
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_IDEMPOTENT = frozenset({"GET", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds: to connect, to read an answer, and for one call including its retries."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 120.0


class TestsigmaClient:
    """The API client. Create one per run; `close()` (or `with`) when done."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        ca_bundle: str | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._base_path = httpx.URL(self.base_url).path.rstrip("/")
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy(max_total_seconds=self.timeouts.total)
        self.limiter = SharedLimiter()
        self._sleep = sleep
        self._rng = rng or random.Random()
        t = self.timeouts
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": f"testsigma-reconciler/{__version__}",
            },
            timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.read, pool=t.connect),
            verify=ca_bundle if ca_bundle else True,
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    def __enter__(self) -> TestsigmaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- schedules -------------------------------------------------------

    def create_schedule(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /schedule_executions; the created schedule (with its `id`)."""
        created = self._json_object(self._call("POST", "/schedule_executions", json=body))
        _require_id(created, "POST /schedule_executions")
        return created

    def update_schedule(self, schedule_id: int, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """PUT /schedule_executions/{id} with the full body."""
        response = self._call("PUT", f"/schedule_executions/{schedule_id}", json=body)
        return self._json_object(response) if response.content.strip() else None

    def delete_schedule(self, schedule_id: int) -> None:
        """DELETE /schedule_executions/{id}; a schedule already gone counts as deleted."""
        try:
            self._call("DELETE", f"/schedule_executions/{schedule_id}")
        except NotFoundError:
            log.info("schedule %s was already gone", schedule_id)

    def get_schedule(self, schedule_id: int) -> dict[str, Any]:
        """GET /schedule_executions/{id}. NotFoundError: deleted; NotOfferedError: no reads."""
        schedule = self._get_object(f"/schedule_executions/{schedule_id}")
        _require_id(schedule, f"GET /schedule_executions/{schedule_id}")
        return schedule

    def find_schedules_by_name(self, name: str) -> list[dict[str, Any]]:
        """Schedules whose name is exactly `name` (NotOfferedError when listing is not offered)."""
        found: list[dict[str, Any]] = []
        for item in self._pages("/schedule_executions", {"query": f"name:{name}"}):
            if item.get("name") == name:
                found.append(item)
        return found

    def list_schedules(self) -> list[dict[str, Any]]:
        """Every schedule of the account, all pages (NotOfferedError: listing not offered)."""
        return list(self._pages("/schedule_executions", {"sort": "id,asc"}))

    # --- account reads ---------------------------------------------------

    def list_test_plans(self) -> list[dict[str, Any]]:
        """Every test plan of the account (all pages)."""
        return list(self._pages("/test_plans", {}))

    def list_saved_configs(self) -> list[dict[str, Any]]:
        """Every saved favourite execution config (a plain array)."""
        data = self._get("/saved_execution_configs")
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise BadResponseError(
                "GET /saved_execution_configs", "expected a JSON array of objects", status=200
            )
        return data

    # --- partial runs ----------------------------------------------------

    def trigger_run(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /execution_results: start a (partial) test-plan run now."""
        run = self._json_object(self._call("POST", "/execution_results", json=body))
        _require_id(run, "POST /execution_results")
        return run

    def get_run(self, run_id: int) -> dict[str, Any]:
        """GET /execution_results/{id}: the run's status, result and counters."""
        return self._get_object(f"/execution_results/{run_id}")

    def get_junit(self, run_id: int) -> bytes:
        """GET /reports/junit/{id}: the run's JUnit XML report."""
        response = self._call(
            "GET", f"/reports/junit/{run_id}", headers={"Accept": "application/xml"}
        )
        return response.content

    # --- plumbing --------------------------------------------------------

    def _pages(self, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 0
        while True:
            call = f"GET {path}"
            data = self._get_object(path, params={**params, "page": str(page), "size": "50"})
            content = data.get("content")
            if not isinstance(content, list) or not all(isinstance(i, dict) for i in content):
                raise BadResponseError(call, "expected a page with a `content` array", status=200)
            items.extend(content)
            total_pages = data.get("totalPages")
            last = data.get("last")
            page += 1
            if last is True or not content:
                break
            if isinstance(total_pages, int) and page >= total_pages:
                break
            if page > 10_000:
                raise BadResponseError(call, "more than 10,000 pages: giving up", status=200)
        return items

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET and parse JSON; a garbled or truncated body is retried like a 502.

        A GET changes nothing, and a body cut short or replaced by a proxy's
        HTML page is usually a passing fault, so it is worth another attempt
        (within the same bounds as every other retry).
        """
        return self._send("GET", path, params=params, accept=self._json)

    def _get_object(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        data = self._get(path, params)
        if not isinstance(data, dict):
            raise BadResponseError(
                f"GET {path}", f"expected a JSON object, got {type(data).__name__}", status=200
            )
        return data

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return self._send(
            method,
            path,
            json=json,
            params=params,
            headers=headers,
            accept=lambda response: response,
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        accept: Callable[[httpx.Response], T],
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """One call with the retry policy; `accept` turns a 2xx answer into the result."""
        call = f"{method} {path}"
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            pause = self.limiter.wait_time()
            if pause > 0:
                self._sleep(pause)
            try:
                response = self._http.request(
                    method, path, json=json, params=params, headers=headers
                )
            except _NOT_SENT as exc:
                failure: ApiError = TransportError(call, _transport_reason(exc, self.base_url))
                retry_after = None
            except httpx.HTTPError as exc:
                reason = _transport_reason(exc, self.base_url)
                if method not in _IDEMPOTENT:
                    raise OutcomeUnknownError(
                        call, f"{reason}; the request was sent but no answer came back"
                    ) from None
                failure = TransportError(call, reason)
                retry_after = None
            else:
                retry_after = None
                if response.is_success:
                    try:
                        return accept(response)
                    except BadResponseError as garbled:
                        if method != "GET":
                            raise
                        failure = garbled
                else:
                    failure = _error_for(call, response)
                    if not self.retry.should_retry_status(response.status_code, method=method):
                        raise failure
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
            wait = self.retry.delay(attempt, retry_after=retry_after, rng=self._rng)
            elapsed = time.monotonic() - started
            if not self.retry.allows(attempt=attempt, elapsed=elapsed, wait=wait):
                if attempt > 1:
                    failure = type(failure)(
                        call,
                        f"{failure.detail} (gave up after {attempt} attempts)",
                        status=failure.status,
                    )
                raise failure
            log.debug(
                "retrying %s: attempt %d failed (%s); waiting %.2fs",
                call,
                attempt,
                failure.detail if failure.status is None else f"{failure.status} {failure.detail}",
                wait,
            )
            if failure.status == 429:
                # The account is over its rate: every worker waits (at the loop's top).
                self.limiter.hold_off(wait)
            else:
                self._sleep(wait)

    def _call_name(self, response: httpx.Response) -> str:
        """`POST /schedule_executions`: the call as the API documents it (no base path)."""
        path = response.request.url.path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :] or "/"
        return f"{response.request.method} {path}"

    def _json(self, response: httpx.Response) -> Any:
        call = self._call_name(response)
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "unknown content type")
            raise BadResponseError(
                call,
                f"expected JSON, got {kind}: {_snippet(response.text)}",
                status=response.status_code,
            ) from None

    def _json_object(self, response: httpx.Response) -> dict[str, Any]:
        data = self._json(response)
        if not isinstance(data, dict):
            call = self._call_name(response)
            raise BadResponseError(
                call,
                f"expected a JSON object, got {type(data).__name__}",
                status=response.status_code,
            )
        return data


def _require_id(data: Mapping[str, Any], call: str) -> None:
    value = data.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadResponseError(call, f"the answer has no valid `id` (got {value!r})", status=200)


def _snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "...")


def _transport_reason(exc: httpx.HTTPError, base_url: str) -> str:
    kind = type(exc).__name__
    text = str(exc) or kind
    return f"{kind} talking to {base_url}: {text}"


def _error_for(call: str, response: httpx.Response) -> ApiError:
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    detail = describe_error_body(body) or (
        _snippet(response.text) if response.text.strip() else response.reason_phrase
    )
    if 300 <= status < 400:
        target = response.headers.get("Location", "?")
        return BadResponseError(
            call,
            f"redirected to {target}; point --api-url at the final address",
            status=status,
        )
    if status in (401, 403):
        return AuthError(call, detail or "the API key was refused", status=status)
    if status == 404:
        return NotFoundError(call, detail or "not found", status=status)
    if status in (405, 501):
        return NotOfferedError(call, detail or "not offered by this server", status=status)
    if (status == 422 and "duplicate" in detail.lower()) or status == 409:
        return DuplicateNameError(call, detail, status=status)
    if 400 <= status < 500 and status != 429:
        return RequestRejected(call, detail, status=status)
    if status == 500 and PAST_TIME_MESSAGE in detail.lower():
        return PastTimeError(call, detail, status=status)
    return ServerError(call, detail, status=status)
