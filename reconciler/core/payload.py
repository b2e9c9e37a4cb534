"""The typed shapes of what the reconciler sends: a schedule's payload, a run's body (pure).

A schedule's *payload* is the JSON body the Testsigma API takes for
`POST/PUT /schedule_executions` (docs/API.md "The schedule body"), in canonical
form: `executionId` an int, `nextInterval` the declared anchor as
`yyyy-MM-ddTHH:mm:ss.SSS` wall time in `timezone`, `status` filled in, optional
keys (`executionConfig`, `comments`) absent rather than null. It is a TypedDict:
a plain dict at run time (it compares, serialises and stores as it is sent), a
checked shape for mypy.

`read_payload` is the one way back from JSON that was not built by the loader
(the state's rows, a saved plan file): it checks every key and type and says
what does not fit, so a corrupt record is one clear message, never a KeyError
deep in the planner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NotRequired, TypeAlias, TypedDict, cast, get_args

#: How often a schedule fires: the one list in the product (docs/API.md "The schedule body").
#: The sandbox keeps its own copy on purpose: it imitates the server, not the product.
ScheduleType = Literal["ONCE", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "YEARLY"]
SCHEDULE_TYPES: tuple[str, ...] = get_args(ScheduleType)

#: A schedule's status: ACTIVE fires, IN_ACTIVE is paused (and what a fired ONCE becomes).
Status = Literal["ACTIVE", "IN_ACTIVE"]
STATUSES: tuple[str, ...] = get_args(Status)


class ExecutionConfigRef(TypedDict, total=False):
    """A saved favourite, by exactly one of `name` or `id` (the loader checks "exactly one")."""

    name: str
    id: int


class SchedulePayload(TypedDict):
    """The canonical body of a schedule (keys in the order the API documents them).

    `executionId` is absent only while a `testPlan` name awaits resolution against
    the account; `timezone` only in a record adopted from the server (which does
    not report it: its `nextInterval` is UTC wall time), and `nextInterval` only in
    a record adopted from a server that reported no time (the plan then names the
    record as damaged and the fix). A declared payload always has all three.
    """

    name: str
    executionId: NotRequired[int]
    executionConfig: NotRequired[ExecutionConfigRef]
    scheduleType: ScheduleType
    nextInterval: NotRequired[str]
    timezone: NotRequired[str]
    status: Status
    comments: NotRequired[str]


class RunBody(TypedDict, total=False):
    """The body of `POST /execution_results` for a partial run (every key optional)."""

    executionId: int
    executionConfig: ExecutionConfigRef
    environmentId: int
    buildNo: str
    runtimeData: dict[str, str]


#: A JSON document's value, as `json.loads` returns it.
JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"

#: A value one payload field holds (what a `FieldChange` compares): text, an id, a
#: favourite reference (or one of its parts), or nothing; any JSON in general, as the
#: diff of two JSON objects can report.
FieldValue: TypeAlias = "JsonValue | ExecutionConfigRef"


def as_json(value: object) -> JsonValue:
    """`value` as a `JsonValue` (lists and objects copied); TypeError when it is none."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {str(k): as_json(v) for k, v in value.items()}
    raise TypeError(f"{value!r} is not a JSON value")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _config_problem(value: object) -> str | None:
    if not isinstance(value, Mapping) or not value:
        return f"executionConfig must be an object with a name or an id, not {value!r}"
    for key, item in value.items():
        if key == "name" and isinstance(item, str):
            continue
        if key == "id" and _is_int(item):
            continue
        return f"executionConfig.{key} does not fit (got {item!r})"
    return None


_REQUIRED_TEXT = ("name",)
_OPTIONAL_TEXT = ("nextInterval", "timezone", "comments")
_KNOWN = frozenset(SchedulePayload.__annotations__)


def payload_problem(value: object) -> str | None:
    """What keeps `value` from being a `SchedulePayload`, or None when it is one."""
    if not isinstance(value, Mapping):
        return f"not a JSON object ({type(value).__name__})"
    unknown = sorted(str(k) for k in value if k not in _KNOWN)
    if unknown:
        return f"unknown key(s) {', '.join(unknown)}"
    for key in _REQUIRED_TEXT:
        if key not in value:
            return f"{key} is missing"
        if not isinstance(value[key], str):
            return f"{key} must be text, not {value[key]!r}"
    for key in _OPTIONAL_TEXT:
        if key in value and not isinstance(value[key], str):
            return f"{key} must be text, not {value[key]!r}"
    if "executionId" in value and not _is_int(value["executionId"]):
        return f"executionId must be a whole number, not {value['executionId']!r}"
    for key, allowed in (("scheduleType", SCHEDULE_TYPES), ("status", STATUSES)):
        if value.get(key) not in allowed:
            return f"{key} must be one of {', '.join(allowed)}, not {value.get(key)!r}"
    if "executionConfig" in value:
        return _config_problem(value["executionConfig"])
    return None


def read_payload(value: object) -> SchedulePayload:
    """`value` as a `SchedulePayload` (a copy); ValueError saying what does not fit."""
    problem = payload_problem(value)
    if problem is not None:
        raise ValueError(problem)
    # Checked key by key above: the cast states what payload_problem proved.
    return cast(SchedulePayload, dict(cast(Mapping[str, object], value)))


def with_execution_id(payload: SchedulePayload, execution_id: int) -> SchedulePayload:
    """`payload` with `executionId` set, right after `name` (the order the API documents)."""
    ordered: dict[str, object] = {"name": payload["name"], "executionId": execution_id}
    ordered.update((k, v) for k, v in payload.items() if k not in ordered)
    # `payload` was a SchedulePayload; the one key added is typed by the parameter.
    return cast(SchedulePayload, ordered)


def schedule_payload(
    *,
    name: str,
    schedule_type: ScheduleType,
    next_interval: str,
    status: Status,
    execution_id: int | None = None,
    execution_config: ExecutionConfigRef | None = None,
    timezone: str | None = None,
    comments: str | None = None,
) -> SchedulePayload:
    """A payload with its keys in the order the API documents them (the order stored
    and shown), optional keys absent rather than None."""
    built: dict[str, object] = {"name": name}
    if execution_id is not None:
        built["executionId"] = execution_id
    if execution_config is not None:
        built["executionConfig"] = execution_config
    built["scheduleType"] = schedule_type
    built["nextInterval"] = next_interval
    if timezone is not None:
        built["timezone"] = timezone
    built["status"] = status
    if comments is not None:
        built["comments"] = comments
    # Every key set above is typed by this function's parameters.
    return cast(SchedulePayload, built)
