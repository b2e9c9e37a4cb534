"""A small, typed client for the Testsigma endpoints the reconciler uses.

One method per call of docs/API.md. The transport concerns (Bearer auth,
JSON, the deadline, the size cap, retries, the shared limiter) live in
`session.py`; this module says what each call means and checks what each
answer holds. Every failure is an `ApiError` subclass that names the call.
It is thread-safe: the apply executor shares one client between its workers,
and `cancel()` (from a signal handler) ends every call in flight at once.
"""

from __future__ import annotations

import logging
import random
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from reconciler import __version__
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import LiveSchedule
from reconciler.core.payload import JsonValue
from reconciler.testsigma.body import MAX_REPORT_BYTES
from reconciler.testsigma.deadline import Budget, Cancellation
from reconciler.testsigma.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    NotFoundError,
    NotOfferedError,
    OutcomeUnknownError,
    ReportNotReady,
)
from reconciler.testsigma.live import to_live
from reconciler.testsigma.lookup import find_by_name
from reconciler.testsigma.pages import read_all
from reconciler.testsigma.responses import (
    check_schedule,
    json_object,
    parse_json,
    require_id,
    snippet,
)
from reconciler.testsigma.retry import AdaptiveLimiter, RetryPolicy
from reconciler.testsigma.session import Answer, Session

log = logging.getLogger(__name__)


class ConfigError(ReconcilerError):
    """The connection settings cannot be used (e.g. a CA bundle that is not PEM)."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds: to connect, of silence while reading, and the deadline of one whole call."""

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
        rng: random.Random | None = None,
        max_concurrency: int = 64,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts or Timeouts()
        self.cancellation = Cancellation()
        t = self.timeouts
        try:
            http = self._http_client(api_key, ca_bundle, transport)
        except (OSError, ssl.SSLError):
            what = f"--ca-bundle {ca_bundle}" if ca_bundle else "the system's CA certificates"
            raise ConfigError(f"{what}: not a readable bundle of PEM certificates") from None
        self._session = Session(
            http,
            base_url=self.base_url,
            total_seconds=t.total,
            policy=retry or RetryPolicy(),
            limiter=AdaptiveLimiter(max_concurrency=max_concurrency),
            cancellation=self.cancellation,
            rng=rng or random.Random(),
        )
        self._http = http
        self._close_hooks: list[Callable[[], None]] = []

    def _http_client(
        self, api_key: str, ca_bundle: str | None, transport: httpx.BaseTransport | None
    ) -> httpx.Client:
        t = self.timeouts
        return httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": f"testsigma-reconciler/{__version__}",
            },
            timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.read, pool=t.connect),
            verify=ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True,
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    @property
    def limiter(self) -> AdaptiveLimiter:
        return self._session.limiter

    @property
    def hard_deadline(self) -> bool:
        """Whether the deadline is enforced inside socket reads (not only between them)."""
        return self._session.hard_deadline

    def __enter__(self) -> TestsigmaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        """End every call in flight as soon as possible (safe from a signal handler)."""
        self.cancellation.cancel()

    def on_close(self, hook: Callable[[], None]) -> None:
        """Call `hook` when the client is closed (e.g. to restore signal handlers)."""
        self._close_hooks.append(hook)

    def close(self) -> None:
        try:
            self._http.close()
        finally:
            hooks, self._close_hooks = self._close_hooks, []
            for hook in reversed(hooks):
                hook()

    # --- schedules -------------------------------------------------------

    def create_schedule(self, body: Mapping[str, object]) -> dict[str, JsonValue]:
        """POST /schedule_executions; the created schedule (with its checked `id`)."""
        created = self._changing("POST", "/schedule_executions", body)
        if created is None:
            raise BadResponseError("POST /schedule_executions", "the answer has no body")
        require_id(created, "POST /schedule_executions", what="the created schedule")
        return created

    def update_schedule(
        self, schedule_id: int, body: Mapping[str, object]
    ) -> dict[str, JsonValue] | None:
        """PUT /schedule_executions/{id} with the full body."""
        return self._changing("PUT", f"/schedule_executions/{schedule_id}", body)

    def delete_schedule(self, schedule_id: int) -> None:
        """DELETE /schedule_executions/{id}; a schedule already gone counts as deleted."""
        try:
            self._changing("DELETE", f"/schedule_executions/{schedule_id}", None)
        except NotFoundError:
            log.info("schedule %s was already gone", schedule_id)

    def get_schedule(self, schedule_id: int) -> LiveSchedule:
        """GET /schedule_executions/{id}, translated (BadResponseError when it cannot be
        trusted). NotFoundError: deleted; NotOfferedError: no reads."""
        call = f"GET /schedule_executions/{schedule_id}"
        raw = check_schedule(self._get_object(f"/schedule_executions/{schedule_id}"), call)
        return to_live(raw, call)

    def find_schedules_by_name(self, name: str) -> list[dict[str, JsonValue]]:
        """Schedules named exactly `name` (case-sensitive).

        NotOfferedError when the server offers no listing; LookupIncomplete
        when the search could not be completed (the name's absence is then
        unknown, never "not found").
        """
        return find_by_name(name, query=self._list_schedules, budget=self._session.budget)

    def list_schedules(self) -> list[dict[str, JsonValue]]:
        """Every schedule of the account, all pages (NotOfferedError: listing not offered)."""
        return self._list_schedules({}, self._session.budget())

    # --- account reads ---------------------------------------------------

    def list_test_plans(self) -> list[dict[str, JsonValue]]:
        """Every test plan of the account (all pages)."""
        budget = self._session.budget()
        return read_all(
            "GET /test_plans",
            lambda params, b: self._page("/test_plans", params, b),
            {},
            budget,
            item_id=lambda item, call: require_id(item, call, what="a test plan"),
        )

    def list_saved_configs(self) -> list[dict[str, JsonValue]]:
        """Every saved favourite execution config (a plain array)."""
        data = self._session.request("GET", "/saved_execution_configs", accept=lambda a: _json(a))
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise BadResponseError(
                "GET /saved_execution_configs", "expected a JSON array of objects", status=200
            )
        return data

    # --- partial runs ----------------------------------------------------

    def trigger_run(self, body: Mapping[str, object]) -> dict[str, JsonValue]:
        """POST /execution_results: start a (partial) test-plan run now. Never sent twice."""
        try:
            run = self._changing("POST", "/execution_results", body)
        except OutcomeUnknownError as exc:
            plan = body.get("executionId", "?")
            raise OutcomeUnknownError(
                exc.call,
                f"{exc.detail}. A run of test plan {plan} may have started: look at the test "
                "plan's runs in Testsigma before triggering it again (the reconciler did not "
                "re-trigger it)",
                status=exc.status,
            ) from None
        if run is None:
            raise BadResponseError("POST /execution_results", "the answer has no body")
        require_id(run, "POST /execution_results", what="the started run")
        return run

    def get_run(self, run_id: int) -> dict[str, JsonValue]:
        """GET /execution_results/{id}: the run's status, result and counters."""
        return self._get_object(f"/execution_results/{run_id}")

    def get_junit(self, run_id: int) -> bytes:
        """GET /reports/junit/{id}: the run's JUnit XML report.

        ReportNotReady when the server answers its plain-text "not completed"
        notice (or anything else that does not start like XML).
        """
        call = f"GET /reports/junit/{run_id}"
        body = self._session.request(
            "GET",
            f"/reports/junit/{run_id}",
            headers={"Accept": "application/xml"},
            accept=lambda a: a.body,
            cap=MAX_REPORT_BYTES,
        )
        if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            said = snippet(body.decode("utf-8", errors="replace"))
            raise ReportNotReady(
                call,
                f"the JUnit report is not ready (Testsigma answered {said} instead of XML); "
                "it was not written",
                status=200,
            )
        return body

    # --- plumbing --------------------------------------------------------

    def _changing(
        self, method: str, path: str, body: Mapping[str, object] | None
    ) -> dict[str, Any] | None:
        """A POST, PUT or DELETE; its JSON object answer, or None for an empty body."""

        def accept(answer: Answer) -> dict[str, Any] | None:
            if not answer.body.strip():
                return None
            return json_object(answer.call, answer.status, answer.headers, answer.body)

        return self._session.request(method, path, json=body, accept=accept)

    def _get_object(
        self, path: str, params: Mapping[str, str] | None = None, budget: Budget | None = None
    ) -> dict[str, Any]:
        return self._session.request(
            "GET",
            path,
            params=params,
            budget=budget,
            accept=lambda a: json_object(a.call, a.status, a.headers, a.body),
        )

    def _page(
        self, path: str, params: Mapping[str, str], budget: Budget
    ) -> tuple[dict[str, Any], int]:
        def accept(answer: Answer) -> tuple[dict[str, Any], int]:
            page = json_object(answer.call, answer.status, answer.headers, answer.body)
            return page, len(answer.body)

        return self._session.request("GET", path, params=params, budget=budget, accept=accept)

    def _list_schedules(self, params: Mapping[str, str], budget: Budget) -> list[dict[str, Any]]:
        items = read_all(
            "GET /schedule_executions",
            lambda p, b: self._page("/schedule_executions", p, b),
            params,
            budget,
            item_id=lambda item, call: require_id(item, call, what="a schedule"),
        )
        return [check_schedule(item, "GET /schedule_executions") for item in items]


def _json(answer: Answer) -> Any:
    return parse_json(answer.call, answer.status, answer.headers, answer.body)


__all__ = [
    "ApiError",
    "AuthError",
    "NotOfferedError",
    "TestsigmaClient",
    "Timeouts",
]
