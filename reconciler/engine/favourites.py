"""Favourites in plain words (pure).

`describe_favourite` turns a favourite's `query` (a JSON array encoded as a
string) into the words a reviewer reads in a plan ("excludes suites 114").
Favourites are made in the Testsigma UI and their shape is only partly
documented (docs/API.md "Test plans, favourites and runs"), so it never
raises: what it does not understand it shows raw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

#: How many values of one query term a description lists before "and N more".
MAX_VALUES = 10

_KEY_WORDS = {"suiteId": "suites", "assignee": "assignee", "reviewedBy": "reviewed by"}


def describe_favourite(config: Mapping[str, object]) -> str:
    """What a favourite selects, e.g. "includes suites 132, 130; assignee not 9".

    The query's operation decides the words (`IN` includes, `NOT_IN`
    excludes); `executionConfigCondition` is added only when it says
    something the terms do not (an unknown value, or one contradicting the
    suite terms), so a reviewer never reads a confident guess.
    """
    raw = config.get("query")
    terms: object
    if isinstance(raw, str):
        try:
            terms = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError as exc:
            return f"selection unreadable: query is not JSON ({exc.msg}): {_clip(raw)}"
    elif raw is None:
        terms = []
    else:
        terms = raw
    if not isinstance(terms, list):
        return f"selection unreadable: query is not a list: {_clip(json.dumps(terms))}"
    parts = [_describe_term(t) for t in terms]
    suite_ops = {
        t.get("operation") for t in terms if isinstance(t, dict) and t.get("key") == "suiteId"
    }
    note = _condition_note(config.get("executionConfigCondition"), suite_ops)
    if note:
        parts.append(note)
    return "; ".join(parts) if parts else "the whole test plan (no filters)"


def _describe_term(term: object) -> str:
    if not isinstance(term, dict):
        return _clip(json.dumps(term))
    key, op, value = term.get("key"), term.get("operation"), term.get("value")
    values = _values(value)
    if key == "suiteId" and op == "IN":
        return f"includes suites {values}"
    if key == "suiteId" and op == "NOT_IN":
        return f"excludes suites {values}"
    if key == "reviewedBy" and op in ("IN", "NOT_IN"):
        return f"{'' if op == 'IN' else 'not '}reviewed by {values}"
    if key == "assignee" and op in ("IN", "NOT_IN"):
        return f"assignee {'' if op == 'IN' else 'not '}{values}"
    word = _KEY_WORDS.get(key, key) if isinstance(key, str) else json.dumps(key)
    return f"{word} {op if isinstance(op, str) else json.dumps(op)} {values}"


def _values(value: object) -> str:
    items = value if isinstance(value, list) else [value]
    shown = [v if isinstance(v, str) else json.dumps(v) for v in items[:MAX_VALUES]]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _condition_note(condition: object, suite_ops: set[object]) -> str:
    if condition is None:
        return ""
    if condition == "INCLUDED" and "NOT_IN" in suite_ops and "IN" not in suite_ops:
        return "condition INCLUDED"
    if condition == "EXCLUDED" and "IN" in suite_ops and "NOT_IN" not in suite_ops:
        return "condition EXCLUDED"
    if condition in ("INCLUDED", "EXCLUDED"):
        return ""
    return f"condition {_clip(json.dumps(condition))}"


def _clip(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."
