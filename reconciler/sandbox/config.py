"""The sandbox's knobs and its request log entries (plain frozen values).

`SandboxConfig` is frozen so a running sandbox swaps a whole config at once
(`Sandbox.configure` builds a new one with `dataclasses.replace`): a request
handler reads one consistent snapshot, never half of an update.

The defaults are the least forgiving plausible server (the open-source
Testsigma server's behaviour, see docs/SANDBOX.md): merging PUT, names not
unique, the regex query parser. Friendlier documented behaviours and every
fault are switched on explicitly; all faults are off by default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: Every plain fault the sandbox knows how to inject (answered instead of the call).
FAULT_KINDS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "504",
    "429",
    "drop",
    "garbage",
    "drop_after_commit",
)
#: The mix drawn from when `fault_rate` is set and `faults` is not.
DEFAULT_FAULTS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "429",
    "drop",
    "garbage",
    "drop_after_commit",
)
#: Odd ids a create can answer with: above 2^63, a JSON string, another schedule's id.
ID_ODDITIES: tuple[str, ...] = ("huge", "string", "reused")
#: Gateway statuses a committed change may be answered with.
GATEWAY_STATUSES: tuple[int, ...] = (502, 503, 504)


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How the sandbox behaves. Every fault is off; the quirks are the strict server's.

    Fidelity switches (friendlier documented behaviours):
    - `unique_names`: a second schedule with a taken name answers 422
      "Entity with same name already exists, Please use different name".
    - `replacing_put`: PUT replaces the whole schedule (absent fields are cleared,
      the scheduler's queue status is reset) instead of merging non-null fields.
    - `ordered_lists`: lists without `sort=` come in id order, instead of the
      table's unspecified (here: stable, hashed) order.

    Serving:
    - `control`: serve the `/_sandbox/` control endpoints (404 otherwise).
    - `reads` / `list_by_name`: False makes `GET /schedule_executions/{id}` /
      `GET /schedule_executions?...` answer 405, like a server without them.
    - `advance_in_utc`: firing adds the period in UTC instead of the schedule's zone.
    - `page_size_max`: larger `size` values are clamped (Spring's default cap, 2000).
    - `fail_plan_ids`: runs of these test plans end FAILURE.
    - `run_polls_to_complete`: polls of `GET /execution_results/{id}` until completed.
    - `run_seconds_to_complete`: or sandbox-clock seconds after the trigger, whichever first.
    - `scheduled_run_seconds`: how long a run started by the scheduler keeps its test plan
      busy (a due schedule of a busy plan is skipped and stuck).

    Faults (all off), reproducible from `fault_seed`:
    - `latency_ms` (+ up to `latency_jitter_ms`): added to every API call; calls overlap.
    - `fault_rate`, `faults`: share of API calls answered by a fault drawn from `faults`
      instead of being handled (`drop_after_commit` handles it, then drops the connection).
    - `commit_fail_rate`, `commit_fail_next`: a changing call (POST/PUT/DELETE) that took
      effect is answered with a gateway status from `commit_fail_statuses` instead; by rate,
      or for the next N such changes (the count goes down as they happen).
    - `rate_limit`, `rate_limit_burst`: a token bucket of N requests/second (burst B,
      default max(1, N)); over it, 429 with `Retry-After` in whole seconds.
    - `throttle_next`, `throttle_retry_after`: a 429 window: the next N API calls answer
      429 with `Retry-After: throttle_retry_after` (the count goes down as they happen).
    - `id_oddities`, `id_oddity_rate`: creates answer odd ids ("huge" above 2^63,
      "string" as a JSON string, "reused" another schedule's id): the listed ones
      for the next creates in order, then by rate.
    """

    unique_names: bool = False
    replacing_put: bool = False
    ordered_lists: bool = False
    control: bool = False
    reads: bool = True
    list_by_name: bool = True
    advance_in_utc: bool = False
    page_size_max: int = 2000
    fail_plan_ids: frozenset[int] = frozenset({4001})
    run_polls_to_complete: int = 3
    run_seconds_to_complete: float = 60
    scheduled_run_seconds: float = 60
    fault_seed: int | None = None
    latency_ms: float = 0
    latency_jitter_ms: float = 0
    fault_rate: float = 0
    faults: tuple[str, ...] = DEFAULT_FAULTS
    commit_fail_rate: float = 0
    commit_fail_next: int = 0
    commit_fail_statuses: tuple[int, ...] = GATEWAY_STATUSES
    rate_limit: float = 0
    rate_limit_burst: int = 0
    throttle_next: int = 0
    throttle_retry_after: int = 1
    id_oddities: tuple[str, ...] = ()
    id_oddity_rate: float = 0

    def __post_init__(self) -> None:
        unknown = [f for f in self.faults if f not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kind(s) {unknown}; known: {', '.join(FAULT_KINDS)}")
        odd = [f for f in self.id_oddities if f not in ID_ODDITIES]
        if odd:
            raise ValueError(f"unknown id oddities {odd}; known: {', '.join(ID_ODDITIES)}")
        bad_status = [s for s in self.commit_fail_statuses if not 500 <= s <= 599]
        if bad_status or not self.commit_fail_statuses:
            raise ValueError(f"commit_fail_statuses must be 5xx, not {self.commit_fail_statuses}")
        for name in ("fault_rate", "commit_fail_rate", "id_oddity_rate"):
            rate = getattr(self, name)
            if not 0 <= rate <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {rate}")
        for name in (
            "latency_ms",
            "latency_jitter_ms",
            "scheduled_run_seconds",
            "rate_limit",
            "rate_limit_burst",
            "commit_fail_next",
            "throttle_next",
            "throttle_retry_after",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)}")
        if self.page_size_max < 1:
            raise ValueError(f"page_size_max must be at least 1, not {self.page_size_max}")

    @classmethod
    def field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls))

    @staticmethod
    def coerce(key: str, value: Any) -> Any:
        """Turn a JSON value for `key` into the field's type (lists -> tuple/frozenset)."""
        if key in ("faults", "id_oddities") and isinstance(value, list):
            return tuple(str(v) for v in value)
        if key == "commit_fail_statuses" and isinstance(value, list):
            return tuple(int(v) for v in value)
        if key == "fail_plan_ids" and isinstance(value, list):
            return frozenset(int(v) for v in value)
        return value

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["faults"] = list(self.faults)
        data["id_oddities"] = list(self.id_oddities)
        data["commit_fail_statuses"] = list(self.commit_fail_statuses)
        data["fail_plan_ids"] = sorted(self.fail_plan_ids)
        return data


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One API call as the sandbox saw it (control calls under `/_sandbox/` are not logged).

    `path` is relative to the API base, e.g. `/schedule_executions/1001`; `query` keeps
    the first value of each parameter; `body` is the parsed JSON (None when absent or
    not JSON). `status` is what the client was answered, None when the connection was
    dropped; `fault` names the injected fault, if any ("rate_limit" for a 429 of the
    token bucket, "commit_then_502" etc. for commit-then-fail, "id_huge" etc. for an
    odd id). `committed` is True when the call took effect, whatever was answered.
    """

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    status: int | None = None
    fault: str | None = None
    committed: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
