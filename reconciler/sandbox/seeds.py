"""The fixed world the sandbox starts with: test plans and saved favourites.

Chosen to exercise the client: seven test plans (two pages at size 5), two
plans both named "Smoke" (ambiguity), plan 3857 "Checkout regression" (the
docs' example), plan 4001 "Flaky checkout" (its runs fail by default), and
favourites including `fav_config_name` and `smoke only`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

#: The user id the API key belongs to; schedules made outside get `UI_USER_ID`.
API_USER_ID = 42
UI_USER_ID = 7


@dataclass(frozen=True, slots=True)
class TestPlan:
    """A seeded test plan (`executionId` in the schedule API)."""

    __test__ = False  # not a pytest class

    id: int
    name: str
    application_version_id: int
    test_case_count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "applicationVersionId": self.application_version_id,
        }


@dataclass(frozen=True, slots=True)
class SavedConfig:
    """A saved favourite execution config (created in the UI, referenced by name or id)."""

    id: int
    name: str
    condition: str
    query: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "query": json.dumps(list(self.query), separators=(",", ":")),
            "executionConfigType": "SAVED_CONFIG",
            "executionConfigCondition": self.condition,
            "createdByUser": UI_USER_ID,
        }


TEST_PLANS: tuple[TestPlan, ...] = (
    TestPlan(3857, "Checkout regression", 11, 24),
    TestPlan(3858, "Smoke", 11, 6),
    TestPlan(3859, "Smoke", 12, 8),
    TestPlan(3860, "Payments API", 11, 15),
    TestPlan(3861, "Search nightly", 12, 30),
    TestPlan(3862, "Mobile onboarding", 13, 10),
    TestPlan(4001, "Flaky checkout", 11, 12),
)

SAVED_CONFIGS: tuple[SavedConfig, ...] = (
    SavedConfig(
        201,
        "fav_config_name",
        "EXCLUDED",
        ({"key": "suiteId", "value": [132, 130], "operation": "NOT_IN"},),
    ),
    SavedConfig(
        202, "smoke only", "INCLUDED", ({"key": "suiteId", "value": [101], "operation": "IN"},)
    ),
    SavedConfig(
        203,
        "reviewed by qa",
        "INCLUDED",
        (
            {"key": "reviewedBy", "value": [UI_USER_ID], "operation": "IN"},
            {"key": "suiteId", "value": [101, 132], "operation": "IN"},
        ),
    ),
)


def plan_by_id(plan_id: int) -> TestPlan | None:
    return next((p for p in TEST_PLANS if p.id == plan_id), None)


def config_by_ref(ref: object) -> SavedConfig | None:
    """The favourite an `executionConfig` `{name}` or `{id}` names, if it exists."""
    if not isinstance(ref, dict) or len(ref) != 1:
        return None
    if "name" in ref:
        return next((c for c in SAVED_CONFIGS if c.name == ref["name"]), None)
    if "id" in ref:
        ident = ref["id"]
        if isinstance(ident, bool) or not isinstance(ident, int | str):
            return None
        return next((c for c in SAVED_CONFIGS if str(c.id) == str(ident)), None)
    return None
