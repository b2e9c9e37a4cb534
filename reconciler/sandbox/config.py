"""The sandbox's knobs and its request log entries (plain frozen values).

`SandboxConfig` is frozen so a running sandbox swaps a whole config at once
(`Sandbox.configure` builds a new one with `dataclasses.replace`): a request
handler reads one consistent snapshot, never half of an update.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: Every fault the sandbox knows how to inject.
FAULT_KINDS: tuple[str, ...] = ("500", "502", "503", "429", "drop", "garbage", "drop_after_commit")


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How the sandbox behaves; every field has the friendly default.

    - `latency_ms`: added to every API call (calls overlap, they are not serialised).
    - `reads` / `list_by_name`: False makes `GET /schedule_executions/{id}` /
      `GET /schedule_executions?...` answer 405, like a server without them.
    - `advance_in_utc`: firing adds the period in UTC instead of the schedule's zone.
    - `page_size_max`: larger `size` values are clamped, as Spring does.
    - `fault_seed`, `fault_rate`, `faults`: share of API calls hit by a fault drawn from
      `faults` with a `random.Random(fault_seed)`, so a failure reproduces.
    - `fail_plan_ids`: runs of these test plans end FAILURE.
    - `run_polls_to_complete`: polls of `GET /execution_results/{id}` until completed.
    - `run_seconds_to_complete`: or sandbox-clock seconds after the trigger, whichever first.
    """

    latency_ms: float = 0
    reads: bool = True
    list_by_name: bool = True
    advance_in_utc: bool = False
    page_size_max: int = 50
    fault_seed: int | None = None
    fault_rate: float = 0
    faults: tuple[str, ...] = FAULT_KINDS
    fail_plan_ids: frozenset[int] = frozenset({4001})
    run_polls_to_complete: int = 3
    run_seconds_to_complete: float = 60

    def __post_init__(self) -> None:
        unknown = [f for f in self.faults if f not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kind(s) {unknown}; known: {', '.join(FAULT_KINDS)}")
        if not 0 <= self.fault_rate <= 1:
            raise ValueError(f"fault_rate must be between 0 and 1, not {self.fault_rate}")
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms must not be negative, not {self.latency_ms}")
        if self.page_size_max < 1:
            raise ValueError(f"page_size_max must be at least 1, not {self.page_size_max}")

    @classmethod
    def field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls))

    @staticmethod
    def coerce(key: str, value: Any) -> Any:
        """Turn a JSON value for `key` into the field's type (lists -> tuple/frozenset)."""
        if key == "faults" and isinstance(value, list):
            return tuple(str(v) for v in value)
        if key == "fail_plan_ids" and isinstance(value, list):
            return frozenset(int(v) for v in value)
        return value

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["faults"] = list(self.faults)
        data["fail_plan_ids"] = sorted(self.fail_plan_ids)
        return data


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One API call as the sandbox saw it (control calls under `/_sandbox/` are not logged).

    `path` is relative to the API base, e.g. `/schedule_executions/1001`; `query` keeps
    the first value of each parameter; `body` is the parsed JSON (None when absent or
    not JSON). `status` is what the client was answered, None when the connection was
    dropped; `fault` names the injected fault, if any. With `drop_after_commit` the
    call took effect (`committed` is True) although `status` is None.
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
