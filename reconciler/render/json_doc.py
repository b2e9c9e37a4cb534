"""Plans as a versioned JSON document, for pipelines and saved plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.core.model import Action, ActionKind, Plan
from reconciler.render.common import next_instant, timing
from reconciler.render.words import reason

FORMAT_VERSION = "1"


def plan_document(plan: Plan, *, now: datetime) -> dict[str, Any]:
    """`{format_version, summary, actions: [...], warnings: [...]}`."""
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "summary": {kind.value: plan.count(kind) for kind in ActionKind},
        "has_changes": plan.has_changes,
        "offline": plan.offline,
        "not_checked": sorted(plan.unchecked),
        "actions": [
            {
                **action_document(a, now=now),
                "selects": plan.details.get(a.name),
                "test_plan_name": _test_plan_name(plan, a),
            }
            for a in plan.actions
        ],
        "warnings": [
            {"location": str(w.location), "message": w.message, "severity": w.severity}
            for w in plan.warnings
        ],
    }


def action_document(action: Action, *, now: datetime) -> dict[str, Any]:
    payload = action.after or action.before
    return {
        "action": action.kind.value,
        "name": action.name,
        "renamed_from": action.renamed_from,
        "id": action.id,
        "before": dict(action.before) if action.before is not None else None,
        "after": dict(action.after) if action.after is not None else None,
        "changes": [
            {"field": c.field, "before": c.before, "after": c.after} for c in action.changes
        ],
        "drift": [{"field": c.field, "recorded": c.before, "live": c.after} for c in action.drift],
        "cause": action.cause.value,
        "reason": reason(action),
        "location": str(action.location) if action.location else None,
        "when": timing(payload, now=now),
        "next_instant": next_instant(payload, now=now),
    }


def _test_plan_name(plan: Plan, action: Action) -> str | None:
    payload = action.after or action.before
    plan_id = None if payload is None else payload.get("executionId")
    return plan.test_plan_names.get(plan_id) if isinstance(plan_id, int) else None
