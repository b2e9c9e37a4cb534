"""Plans as a versioned JSON document, for pipelines (`plan --format json`).

Each action has the saved plan's shape (`engine.planfile.action_to_json`, one
serializer for both) with the words added; docs/STATE.md "The shape of an action".
"""

from __future__ import annotations

from datetime import datetime

from reconciler.core.model import Action, ActionKind, Plan
from reconciler.engine.planfile import action_to_json
from reconciler.render.common import next_instant, timing
from reconciler.render.words import reason

FORMAT_VERSION = "1"


def plan_document(plan: Plan, *, now: datetime) -> dict[str, object]:
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


def action_document(action: Action, *, now: datetime) -> dict[str, object]:
    """The action in the saved plan's shape (`engine.planfile.action_to_json`), plus the
    words and times a reader needs: `reason`, `when`, `next_instant`."""
    payload = action.after or action.before
    return {
        **action_to_json(action),
        "reason": reason(action),
        "when": timing(payload, now=now),
        "next_instant": next_instant(payload, now=now),
    }


def _test_plan_name(plan: Plan, action: Action) -> str | None:
    payload = action.after or action.before
    plan_id = None if payload is None else payload.get("executionId")
    return plan.test_plan_names.get(plan_id) if isinstance(plan_id, int) else None
