"""Finding schedules by exact name, on a server whose name filter cannot be trusted.

The oss server's `query=name:X` drops, mangles or ignores many characters
(docs/API.md, "Finding a schedule by name"), compares case-insensitively, and
answers 500 for some names. So the query is used only for a name it passes
through unchanged; any other name, or a query answered with an error, is
found by reading the whole list. Either way the result is filtered again by
exact, case-sensitive equality. A search that cannot be completed raises
`LookupIncomplete`: the name's absence is unknown, never "not found".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.testsigma.deadline import Budget
from reconciler.testsigma.errors import (
    ApiError,
    AuthError,
    LookupIncomplete,
    NotOfferedError,
    TransportError,
)
from reconciler.testsigma.pages import query_is_safe

log = logging.getLogger(__name__)

CALL = "GET /schedule_executions"
ListSchedules = Callable[[Mapping[str, str], Budget], list[dict[str, Any]]]


def find_by_name(
    name: str, *, query: ListSchedules, budget: Callable[[], Budget]
) -> list[dict[str, Any]]:
    """Schedules named exactly `name`: by query when safe, else (or on error) by a full scan."""
    if query_is_safe(name):
        try:
            return _exactly(name, query({"query": f"name:{name}"}, budget()))
        except (NotOfferedError, AuthError):
            raise
        except TransportError as exc:  # no answer within the deadline, or interrupted
            raise _incomplete(name, exc) from None
        except ApiError as exc:
            log.info("the name query for %r failed (%s); reading the whole list", name, exc)
    try:
        return _exactly(name, query({}, budget()))
    except (NotOfferedError, AuthError):
        raise
    except ApiError as exc:
        raise _incomplete(name, exc) from None


def _exactly(name: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if item.get("name") == name]


def _incomplete(name: str, cause: ApiError) -> LookupIncomplete:
    return LookupIncomplete(
        CALL,
        f"could not finish looking for schedules named {name!r} ({cause.message}); "
        "whether one exists is unknown, so nothing is created for it",
        status=cause.status,
    )
