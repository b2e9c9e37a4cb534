"""The one place an action's cause becomes words (every format uses it).

The engine hands over causes and data (`Cause`, `Conflict`, drift fields,
ids); this module writes the sentences a reviewer reads, so text, markdown,
JSON and apply results say the same thing and no layer below parses English.
"""

from __future__ import annotations

from reconciler.core.model import Action, ActionKind, Cause, Conflict
from reconciler.engine.diff import plain


def reason(action: Action) -> str:
    """Why the action is in the plan, in one line."""
    cause = action.cause
    if action.kind is ActionKind.CONFLICT and action.conflict is not None:
        return conflict_reason(action.name, action.conflict)
    if cause is Cause.DECLARED:
        return "declared, not yet created"
    if cause is Cause.DELETED_OUTSIDE:
        return f"deleted outside the reconciler (was id {action.previous_id}); creating it again"
    if cause is Cause.IN_SYNC:
        return "in sync"
    if cause is Cause.ALREADY_FIRED:
        return "already fired"
    if cause is Cause.GONE:
        return "no longer declared, and already deleted outside the reconciler" + (
            "" if action.kind is ActionKind.DELETE else " (use --prune to forget it)"
        )
    if cause is Cause.NOT_DECLARED:
        if action.kind is ActionKind.DELETE:
            return "no longer declared (--prune)"
        return "no longer declared; left alone (use --prune to delete it)"
    if cause is Cause.STUCK:
        return (
            f"stuck: the server's scheduler left it {duration(action.behind_seconds or 0)} "
            "behind and will not fire it again; re-creating it" + _renamed_too(action)
        )
    if cause is Cause.CONFIG_REMOVED:
        return "executionConfig cannot be removed in place" + _renamed_too(action)
    if cause is Cause.RENAMED:
        return renamed_reason(action)
    return changed_reason(action)


def renamed_reason(action: Action) -> str:
    """`moved: renamed from OLD; also changes status` (drift first, as for an update)."""
    words = f"moved: renamed from {action.renamed_from}"
    others = [c.field for c in action.changes if c.field != "name"]
    if others:
        words += f"; also changes {', '.join(others)}"
    if action.drift:
        words = changed_reason(action).split("; YAML")[0] + "; " + words
    return words


def _renamed_too(action: Action) -> str:
    """A replace that is also a `moved:` rename: it cannot be one PUT, so it is re-created."""
    if action.renamed_from is None:
        return ""
    return (
        f"; moved: renamed from {action.renamed_from}, so it is re-created under the new name "
        f"(old id {action.id} deleted)"
    )


def changed_reason(action: Action) -> str:
    parts = []
    if action.drift:
        outside = ", ".join(
            f"{d.field} {plain(d.before)} -> {plain(d.after)}" for d in action.drift
        )
        parts.append(f"changed outside the reconciler: {outside}")
    drifted = {d.field for d in action.drift}
    yaml_fields = [c.field for c in action.changes if c.field not in drifted]
    if yaml_fields or not parts:
        parts.append(f"YAML changed: {', '.join(yaml_fields) or 'nothing'}")
    return "; ".join(parts)


def conflict_reason(name: str, conflict: Conflict) -> str:
    """What blocks a create, and the command that unblocks it."""
    if conflict.cause is Cause.NAME_TAKEN:
        return import_hint(name, list(conflict.ids))
    if conflict.cause is Cause.UNKNOWN_OUTCOME:
        return (
            f"an earlier run sent the create of {name!r} at {conflict.started_at} but never "
            "learned whether it succeeded, and it cannot be looked up by name now "
            "(the server does not offer it, or --no-refresh). "
            f"Look for a schedule named {name!r} in Testsigma: if it exists, run "
            f"`reconciler import {name} ID`; if it does not, run "
            f"`reconciler state resolve {conflict.entry_id}`"
        )
    if conflict.cause is Cause.OTHER_WORKSPACE:
        workspace = conflict.detail
        return (
            f"`{name}` is managed by workspace `{workspace}` of this state store: remove it "
            f"from these files, or `reconciler state rm {name}` in workspace `{workspace}` first"
        )
    detail = f" ({conflict.detail})" if conflict.detail else ""
    return (
        f"could not check whether a schedule named {name!r} already exists{detail}; "
        "nothing is created on an unknown: run the plan again, or check in Testsigma and "
        f"adopt an existing one with `reconciler import {name} ID`"
    )


def import_hint(name: str, ids: list[int]) -> str:
    if len(ids) == 1:
        return (
            f"a schedule named {name!r} already exists in Testsigma (id {ids[0]}) but the "
            f"reconciler did not create it: adopt it with `reconciler import {name} {ids[0]}`, "
            "or rename this one"
        )
    listed = ", ".join(str(i) for i in ids)
    return (
        f"{len(ids)} schedules named {name!r} already exist in Testsigma (ids {listed}): "
        f"delete the extra ones in Testsigma, then adopt one with `reconciler import {name} ID`"
    )


def duration(seconds: int) -> str:
    """`3 days 4 h`, `5 h 20 min`, `12 min` — the two largest units."""
    days, rest = divmod(max(0, seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"
