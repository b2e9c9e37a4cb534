"""From loaded YAML documents to the `DesiredSet` the planner takes (pure).

This module owns the meaning of a file beyond its shape: merging a file's
`defaults` into its schedules and runs, checking zones and times through
`reconciler.timekeeping`, building each schedule's canonical payload (see
`reconciler.core.model`) and each run's body, and checking that names are
unique across all files. It collects every problem of every file before raising,
so a user fixes all mistakes in one go.

The happy path validates each document with a single pydantic call; only when a
document has errors are its schedules and runs validated one by one, so that the
valid ones still get their time checks (and their problems reported too).

Shaped for speed (see docs/PERFORMANCE.md): the locations of a zone or a time
are computed only when there is something to report, and the cyclic garbage
collector is paused while the documents are built (they hold no cycles, and its
repeated scans of the growing data cost 10-25% of a large load).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import ValidationError

from reconciler.core.errors import InputError, Location, Problem
from reconciler.core.model import DesiredRun, DesiredSchedule, DesiredSet, Move
from reconciler.core.payload import RunBody, schedule_payload
from reconciler.spec.fields import NEXT_INTERVAL_PATTERN
from reconciler.spec.loader import load_document
from reconciler.spec.messages import describe, translate
from reconciler.spec.model import Defaults, Document, MovedSpec, RunSpec, ScheduleSpec
from reconciler.spec.moves import check_moves
from reconciler.spec.positions import FieldLocations, Loaded, Positions, Source
from reconciler.timekeeping import (
    Anchor,
    TimeError,
    Zone,
    format_api,
    parse_next_interval,
    resolve_zone,
)

_NO_DEFAULTS = Defaults()
_NEXT_INTERVAL = re.compile(NEXT_INTERVAL_PATTERN)
_T = TypeVar("_T", ScheduleSpec, RunSpec, MovedSpec)
_INHERITED = ("timezone", "status", "executionConfig", "comments")


def _about(field: str, message: str) -> str:
    """`field: message`, unless the message already starts with the field's name."""
    return message if message.startswith(field) else f"{field}: {message}"


@dataclass(slots=True)
class _Collected:
    """Everything found so far, across files."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    schedules: list[DesiredSchedule] = field(default_factory=list)
    runs: list[DesiredRun] = field(default_factory=list)
    moved: list[tuple[Move, Location]] = field(default_factory=list)  # (move, where `to` is)
    zones: dict[str, Zone | str] = field(default_factory=dict)
    reported: set[tuple[Location, str]] = field(default_factory=set)

    def report(self, location: Location, message: str, *, warning: bool = False) -> None:
        """Add a problem once per place (a bad default is reported once, not per schedule)."""
        if (location, message) in self.reported:
            return
        self.reported.add((location, message))
        if warning:
            self.warnings.append(Problem(location, message, "warning"))
        else:
            self.problems.append(Problem(location, message))

    def zone(self, name: str, location: Callable[[], Location]) -> Zone | None:
        """The zone named `name`; `location` is called only when there is a problem to report."""
        found = self.zones.get(name)
        if found is None:
            try:
                found = resolve_zone(name)
            except (TimeError, ValueError) as exc:
                found = _about("timezone", str(exc))
            self.zones[name] = found
        if isinstance(found, str):
            self.report(location(), found)
            return None
        if found.warning:
            self.report(location(), _about("timezone", found.warning), warning=True)
        return found


@dataclass(frozen=True, slots=True)
class _Validated:
    """One document after validation: what is usable, and whether defaults are."""

    defaults: Defaults | None
    defaults_ok: bool
    schedules: Sequence[tuple[int, ScheduleSpec]]
    runs: Sequence[tuple[int, RunSpec]]
    moved: Sequence[tuple[int, MovedSpec]] = ()


def _validate(data: dict[str, object], positions: Positions, found: _Collected) -> _Validated:
    try:
        document = Document.model_validate(data)
    except ValidationError as exc:
        for problem in translate(exc.errors(include_url=False), data, positions):
            found.report(problem.location, problem.message)
    else:
        return _Validated(
            document.defaults,
            True,
            list(enumerate(document.schedules or ())),
            list(enumerate(document.runs or ())),
            list(enumerate(document.moved or ())),
        )
    defaults: Defaults | None = None
    defaults_ok = True
    try:
        if data.get("defaults") is not None:
            defaults = Defaults.model_validate(data["defaults"])
    except ValidationError:
        defaults_ok = False
    return _Validated(
        defaults,
        defaults_ok,
        _salvage(data.get("schedules"), ScheduleSpec),
        _salvage(data.get("runs"), RunSpec),
        _salvage(data.get("moved"), MovedSpec),
    )


def _salvage(items: object, model: type[_T]) -> list[tuple[int, _T]]:
    if not isinstance(items, list):
        return []
    valid: list[tuple[int, _T]] = []
    for index, item in enumerate(items):
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError:
            continue
    return valid


def _field_locations(
    item: dict[str, object], defaults: object, positions: Positions
) -> FieldLocations:
    """Where each key of an item is written; inherited keys point into `defaults`."""
    entries = positions.mappings[id(item)][1]
    keys = list(entries)
    spots = [key_pos for key_pos, _value in entries.values()]
    if isinstance(defaults, dict):
        default_entries = positions.mappings[id(defaults)][1]
        for key in _INHERITED:
            if key not in entries and key in default_entries:
                keys.append(key)
                spots.append(default_entries[key][0])
    return FieldLocations(positions.label, keys, spots)


def _value_location(
    key: str, item: dict[str, object], defaults: object, positions: Positions
) -> Location | None:
    for mapping in (item, defaults):
        if isinstance(mapping, dict) and mapping.get(key) is not None:
            pos = positions.value(mapping, key)
            if pos is not None:
                return positions.at(pos)
    return None


def _own(spec: ScheduleSpec | RunSpec, name: str) -> bool:
    """Whether the item's own value of `name` wins over the default's: it wrote the key
    (an explicit null removes the default)."""
    return name in spec.model_fields_set


@dataclass(frozen=True, slots=True)
class _File:
    """One validated document and what checking its schedules and runs needs."""

    document: _Validated
    raw_defaults: object
    positions: Positions
    found: _Collected

    def anchor(
        self, item: dict[str, object], location: Location, next_interval: str | None
    ) -> tuple[str, Anchor] | None:
        """Check the zone and the time of a schedule: (timezone as written, anchor)."""
        defaults = self.document.defaults
        if "timezone" in item:  # an explicit null removes the default
            timezone = item["timezone"]
            if timezone is not None and not isinstance(timezone, str):
                return None  # reported by validation
        else:
            timezone = defaults.timezone if defaults else None
        if timezone is None:
            if "timezone" in item:
                self.found.report(
                    location, "`timezone: null` removes the default, but a schedule needs one"
                )
            elif self.document.defaults_ok:
                self.found.report(
                    location, "`timezone` is required: set it here or under `defaults`"
                )
            return None
        positions, raw_defaults = self.positions, self.raw_defaults
        zone = self.found.zone(
            timezone,
            lambda: _value_location("timezone", item, raw_defaults, positions) or location,
        )
        if zone is None or next_interval is None:
            return None
        try:
            anchor = parse_next_interval(next_interval, zone)
        except (TimeError, ValueError, OverflowError) as exc:
            at_next = _value_location("nextInterval", item, None, positions) or location
            self.found.report(at_next, _about("nextInterval", str(exc)))
            return None
        if anchor.warnings:
            at_next = _value_location("nextInterval", item, None, positions) or location
            for warning in anchor.warnings:
                self.found.report(at_next, _about("nextInterval", warning), warning=True)
        return timezone, anchor

    def schedule(self, spec: ScheduleSpec, item: dict[str, object], location: Location) -> None:
        checked = self.anchor(item, location, spec.next_interval)
        if checked is None:
            return
        timezone, anchor = checked
        defaults = self.document.defaults or _NO_DEFAULTS
        config = (spec if _own(spec, "execution_config") else defaults).execution_config
        status = (spec if _own(spec, "status") else defaults).status
        payload = schedule_payload(
            name=spec.name,
            execution_id=spec.execution_id,
            execution_config=None if config is None else config.payload(),
            schedule_type=spec.schedule_type,
            next_interval=format_api(anchor.wall),
            timezone=timezone,
            status=status or "ACTIVE",
            comments=(spec if _own(spec, "comments") else defaults).comments,
        )
        self.found.schedules.append(
            DesiredSchedule(
                name=spec.name,
                payload=payload,
                location=location,
                field_locations=_field_locations(item, self.raw_defaults, self.positions),
                test_plan=spec.test_plan,
                anchor=anchor.wall,
            )
        )

    def invalid_schedule(self, item: object, location: Location) -> None:
        """Still check the zone and time of a schedule with other errors."""
        if not isinstance(item, dict):
            return
        next_interval = item.get("nextInterval")
        if not isinstance(next_interval, str) or not _NEXT_INTERVAL.fullmatch(next_interval):
            next_interval = None
        self.anchor(item, location, next_interval)

    def run(self, spec: RunSpec, item: dict[str, object], location: Location) -> None:
        defaults = self.document.defaults or _NO_DEFAULTS
        body: RunBody = {}
        if spec.execution_id is not None:
            body["executionId"] = spec.execution_id
        config = (spec if _own(spec, "execution_config") else defaults).execution_config
        if config is not None:
            body["executionConfig"] = config.payload()
        if spec.environment_id is not None:
            body["environmentId"] = spec.environment_id
        if spec.build_no is not None:
            body["buildNo"] = spec.build_no
        if spec.runtime_data is not None:
            body["runtimeData"] = dict(spec.runtime_data)
        self.found.runs.append(
            DesiredRun(
                name=spec.name,
                body=body,
                location=location,
                field_locations=_field_locations(item, self.raw_defaults, self.positions),
                test_plan=spec.test_plan,
            )
        )


def _read(loaded: Loaded, found: _Collected) -> None:
    data, positions = loaded.data, loaded.positions
    start = positions.at(loaded.start)
    if not isinstance(data, dict):
        found.report(
            start,
            "expected a mapping with `schedules:` and/or `runs:` at the top level, "
            f"got {describe(data)}",
        )
        return
    if "schedules" not in data and "runs" not in data and "moved" not in data:
        found.report(start, "this file has neither `schedules:` nor `runs:`; is it the right file?")
    document = _validate(data, positions, found)
    file = _File(document, data.get("defaults"), positions, found)
    items = data.get("schedules")
    valid = dict(document.schedules)
    for index, item in enumerate(items if isinstance(items, list) else ()):
        location = positions.at(positions.item(items, index) or loaded.start)
        spec = valid.get(index)
        if spec is None:
            file.invalid_schedule(item, location)
        else:
            file.schedule(spec, item, location)
    runs: list[object] = data.get("runs") or []
    for index, run in document.runs:
        raw = runs[index]
        assert isinstance(raw, dict)  # validated as a run
        file.run(run, raw, positions.at(positions.item(runs, index) or loaded.start))
    moves: list[object] = data.get("moved") or []
    for index, move in document.moved:
        item = moves[index]
        at_item = positions.at(positions.item(moves, index) or loaded.start)
        at_to = positions.value(item, "to")
        found.moved.append(
            (Move(move.source, move.target, at_item), positions.at(at_to) if at_to else at_item)
        )


def _check_unique(items: Sequence[DesiredSchedule | DesiredRun], what: str) -> list[Problem]:
    first: dict[str, Location] = {}
    problems = []
    for item in items:
        if item.name in first:
            problems.append(
                Problem(
                    item.location,
                    f"duplicate {what} name `{item.name}`: also declared at {first[item.name]}",
                )
            )
        else:
            first[item.name] = item.location
    return problems


def _by_place(problem: Problem) -> tuple[int, int]:
    return (problem.location.line or 0, problem.location.column or 0)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees everything).

    Building thousands of dicts triggers collection after collection, each scanning
    everything built so far. What is built here holds no reference cycles (the
    loader refuses recursive aliases), so nothing is left for the collector to find;
    it is resumed, as it was, even when loading fails.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_desired(sources: Iterable[Source]) -> DesiredSet:
    """Load, validate and merge every file into one `DesiredSet`.

    Raises `InputError` carrying every problem of every file. Warnings (a zone that
    is a fixed offset, a time that occurs twice) are returned in `DesiredSet.warnings`.
    """
    found = _Collected()
    with _collector_paused():
        for source in sources:
            loaded, problems = load_document(source)
            already = len(found.problems)
            found.problems.extend(problems)
            if loaded is not None and loaded.data is not None:
                _read(loaded, found)
            found.problems[already:] = sorted(found.problems[already:], key=_by_place)
    found.problems.extend(_check_unique(found.schedules, "schedule"))
    found.problems.extend(_check_unique(found.runs, "run"))
    found.problems.extend(check_moves(found.moved, found.schedules))
    if found.problems:
        raise InputError(found.problems)
    return DesiredSet(
        schedules=tuple(sorted(found.schedules, key=lambda s: s.name)),
        runs=tuple(sorted(found.runs, key=lambda r: r.name)),
        warnings=tuple(found.warnings),
        moved=tuple(sorted((m for m, _ in found.moved), key=lambda m: m.target)),
    )
