"""From the live account to v1 YAML documents (pure): what `reconciler export` writes.

One document per test plan (named after the plan, slugged), schedules sorted by
name, `defaults` factored where every schedule of the document agrees. The
server reports neither `timezone` nor `executionConfig`, so an exported
schedule is written honestly: `nextInterval` as the exact instant (`Z`) with a
`timezone` of `UTC` — it fires at the same instant whatever zone it really
has — and each schedule lists the fields a person must check (`unknown`).
Names the server holds more than once cannot all be declared (names are the
identity): the lowest id is exported and the others are listed.

What is built here is data; `reconciler.render.export_yaml` writes it with
its comments, `reconciler.app.export` reads the account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reconciler.core.model import LiveSchedule

#: What the server does not return, in the order the comments name them.
NOT_RETURNED: tuple[str, ...] = ("timezone", "executionConfig")
#: Keys `defaults` may take that an export can factor.
FACTORED: tuple[str, ...] = ("timezone", "status", "comments")


@dataclass(frozen=True, slots=True)
class ExportedSchedule:
    """One schedule as a YAML entry (keys in the order they are written)."""

    id: int
    entry: Mapping[str, object]
    test_plan: str
    #: Fields the server did not return, written as a guess a person must check.
    unknown: tuple[str, ...] = NOT_RETURNED
    #: Other ids on the server with the same name (not exported: names are unique).
    same_name: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """One YAML document: a test plan's schedules (or, for one stream, every schedule)."""

    filename: str
    title: str
    defaults: Mapping[str, object]
    schedules: tuple[ExportedSchedule, ...]


@dataclass(frozen=True, slots=True)
class Export:
    files: tuple[ExportedFile, ...]
    #: Schedules the server returned that could not be read (id or reason).
    unreadable: tuple[str, ...] = field(default_factory=tuple)

    @property
    def schedules(self) -> tuple[ExportedSchedule, ...]:
        return tuple(s for f in self.files for s in f.schedules)

    @property
    def need_a_look(self) -> int:
        return sum(1 for s in self.schedules if s.unknown or s.same_name)


def slug(text: str) -> str:
    """`Checkout regression` -> `checkout-regression` (ASCII letters, digits and dashes)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def instant_text(ms: int) -> str:
    """Epoch milliseconds as `2026-12-01T12:00:00Z` (with `.250` when there are millis)."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if ms % 1000:
        text += f".{ms % 1000:03d}"
    return text + "Z"


def build_export(
    live: Iterable[LiveSchedule],
    test_plans: Sequence[Mapping[str, object]],
    *,
    unreadable: Iterable[str] = (),
) -> Export:
    """The documents for `live` schedules, one per test plan, files named after the plans.

    `unreadable` lists what the adapter could not translate (reported, not exported).
    """
    plan_names = {
        int(str(p["id"])): str(p.get("name") or "") for p in test_plans if _is_id(p.get("id"))
    }
    by_name: dict[str, list[LiveSchedule]] = {}
    skipped = list(unreadable)
    for item in live:
        if not item.name.strip():
            skipped.append(f"id {item.id}: no usable name")
            continue
        if item.next_ms is None or item.execution_id is None or item.schedule_type is None:
            skipped.append(
                f"id {item.id} ({item.name!r}): no nextInterval, executionId or scheduleType"
            )
            continue
        by_name.setdefault(item.name, []).append(item)
    groups: dict[int, list[ExportedSchedule]] = {}
    for name in sorted(by_name):
        items = sorted(by_name[name], key=lambda i: i.id)
        first = items[0]
        assert first.execution_id is not None
        groups.setdefault(first.execution_id, []).append(
            ExportedSchedule(
                id=first.id,
                entry=_entry(first),
                test_plan=plan_names.get(first.execution_id, ""),
                same_name=tuple(i.id for i in items[1:]),
            )
        )
    files = [
        _file(_filename(plan_id, plan_names, taken=plan_names), _title(plan_id, plan_names), items)
        for plan_id, items in sorted(groups.items())
    ]
    return Export(files=tuple(files), unreadable=tuple(skipped))


def as_one_document(export: Export) -> ExportedFile:
    """Every exported schedule in one document (`--out -`), sorted by name."""
    schedules = sorted(export.schedules, key=lambda s: str(s.entry["name"]))
    plain = [
        ExportedSchedule(s.id, _unfactor(s.entry, f.defaults), s.test_plan, s.unknown, s.same_name)
        for f in export.files
        for s in f.schedules
    ]
    order = {s.id: i for i, s in enumerate(schedules)}
    return _file("-", "every test plan", sorted(plain, key=lambda s: order[s.id]))


def _entry(item: LiveSchedule) -> dict[str, object]:
    assert item.next_ms is not None
    entry: dict[str, object] = {
        "name": item.name,
        "executionId": item.execution_id,
        "scheduleType": item.schedule_type,
        "nextInterval": instant_text(item.next_ms),
        "timezone": "UTC",
        "status": item.status or "ACTIVE",
    }
    if item.comments:
        entry["comments"] = item.comments
    return entry


def _file(filename: str, title: str, schedules: list[ExportedSchedule]) -> ExportedFile:
    """Factor into `defaults` each key every schedule has with the same value."""
    defaults: dict[str, object] = {}
    for key in FACTORED:
        values = {repr(s.entry.get(key)) for s in schedules}
        if len(values) == 1 and schedules[0].entry.get(key) is not None:
            defaults[key] = schedules[0].entry[key]
    if defaults.get("status") == "ACTIVE":
        del defaults["status"]  # the default: written nowhere
    if len(schedules) < 2:
        defaults.pop("comments", None)  # one schedule: a default says nothing
    factored = [
        ExportedSchedule(
            s.id,
            {
                k: v
                for k, v in s.entry.items()
                if k not in defaults and not (k == "status" and v == "ACTIVE")
            },
            s.test_plan,
            s.unknown,
            s.same_name,
        )
        for s in schedules
    ]
    return ExportedFile(filename, title, defaults, tuple(factored))


def _unfactor(entry: Mapping[str, object], defaults: Mapping[str, object]) -> dict[str, object]:
    merged = {**entry, **{k: v for k, v in defaults.items() if k not in entry}}
    order = ("name", "executionId", "scheduleType", "nextInterval", *FACTORED)
    return {k: merged[k] for k in order if k in merged}


def _filename(plan_id: int, names: Mapping[int, str], *, taken: Mapping[int, str]) -> str:
    base = slug(names.get(plan_id, ""))
    if not base:
        return f"test-plan-{plan_id}.yaml"
    shared = sum(1 for n in taken.values() if slug(n) == base)
    return f"{base}-{plan_id}.yaml" if shared > 1 else f"{base}.yaml"


def _title(plan_id: int, names: Mapping[int, str]) -> str:
    name = names.get(plan_id)
    if name:
        return f'test plan "{name}" (executionId {plan_id})'
    return f"test plan {plan_id} (not among the account's test plans)"


def _is_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return value.strip().isdigit()
    return isinstance(value, int) and value > 0
