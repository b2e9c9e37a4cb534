"""On-demand runs as output: the triggered runs, and the final report (text or JSON).

The command line hands each run over as plain values (`TriggeredRow`,
`RunRow`), so this module needs nothing from the use case that produced them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from reconciler.core.payload import JsonValue


class TriggeredRow(NamedTuple):
    id: int
    name: str | None
    link: str | None


class RunRow(NamedTuple):
    id: int
    name: str | None
    label: str  # `smoke (run 90001)` or `run 90001`
    state: str  # PASSED, FAILED, TIMED_OUT, WAIT_STOPPED
    passed: bool
    summary: str
    run: Mapping[str, JsonValue]  # the last run JSON seen


def triggered(rows: Sequence[TriggeredRow], fmt: str) -> str:
    """`run` without --wait: the ids, one per line, or `[{id, name, link}]`."""
    if fmt == "json":
        return json.dumps([{"id": r.id, "name": r.name, "link": r.link} for r in rows], indent=2)
    return "\n".join(str(r.id) for r in rows)


def run_report(rows: Sequence[RunRow], fmt: str) -> str:
    """`run --wait`: one aligned line per run, or `[{id, name, state, passed, run}]`."""
    if fmt == "json":
        document = [
            {"id": r.id, "name": r.name, "state": r.state, "passed": r.passed, "run": dict(r.run)}
            for r in rows
        ]
        return json.dumps(document, indent=2, ensure_ascii=False)
    width = max((len(r.label) for r in rows), default=0)
    # A timed-out run's summary already says it was left running, and where.
    return "\n".join(f"{r.label.ljust(width)}  {r.state:<12}  {r.summary}" for r in rows)
