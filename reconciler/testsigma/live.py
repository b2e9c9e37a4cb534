"""Raw schedule JSON -> core's typed `LiveSchedule` (the adapter's edge).

The engine never sees Testsigma's JSON: every schedule the server returns is
checked and translated here. An answer that cannot be trusted (an id that is
not a positive 64-bit integer, a name that is not text, a `nextInterval` that
is neither epoch milliseconds nor the documented UTC text) is a
`BadResponseError` naming the call, never a guess that would be recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reconciler.core.model import LiveSchedule
from reconciler.testsigma.errors import BadResponseError
from reconciler.testsigma.responses import valid_id


def schedule_id(value: Any, call: str) -> int:
    """A schedule id from an answer: an int in 1..2^63-1 (a bool or a string is refused).

    The range is the client's one rule (`responses.valid_id`: ids are Java longs)."""
    if not valid_id(value):
        raise BadResponseError(call, f"the answer's id is not a valid schedule id: {_show(value)}")
    assert isinstance(value, int)
    return value


def to_live(raw: Any, call: str) -> LiveSchedule:
    """Translate one schedule object; BadResponseError when it cannot be trusted."""
    if not isinstance(raw, Mapping):
        raise BadResponseError(call, "a schedule in the answer is not a JSON object")
    name = raw.get("name")
    if not isinstance(name, str):
        raise BadResponseError(call, f"a schedule's name is not text: {_show(name)}")
    return LiveSchedule(
        id=schedule_id(raw.get("id"), call),
        name=name,
        execution_id=_optional_int(raw.get("executionId"), "executionId", call),
        schedule_type=_optional_str(raw.get("scheduleType"), "scheduleType", call),
        status=_optional_str(raw.get("status"), "status", call),
        comments=_optional_str(raw.get("comments"), "comments", call),
        next_ms=_next_ms(raw, call),
    )


def _optional_int(value: Any, field: str, call: str) -> int | None:
    if value is None:
        return None
    if type(value) is int:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise BadResponseError(call, f"a schedule's {field} is not an integer: {_show(value)}")


def _optional_str(value: Any, field: str, call: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BadResponseError(call, f"a schedule's {field} is not text: {_show(value)}")


def _next_ms(raw: Mapping[str, Any], call: str) -> int | None:
    value = raw.get("nextInterval")
    if type(value) is int:
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    utc = raw.get("nextIntervalUTC")
    if value is None and utc is None:
        return None
    if isinstance(utc, str):
        try:
            instant = datetime.fromisoformat(utc.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=UTC)
            return int(instant.timestamp() * 1000)
    raise BadResponseError(
        call,
        f"a schedule's nextInterval is neither epoch milliseconds nor a UTC time: {_show(value)}",
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
