"""Exported documents as commented v1 YAML (ruamel.yaml's round-trip writer).

Comments carry what a person needs to finish the job: the Testsigma id of each
schedule, and the `check:` notes for what the server does not return. Values
that other YAML readers might take for something else (times, numbers-like
names, yes/no) are double-quoted, so the file means the same everywhere (the
JSON Schema check in CI uses another parser than the reconciler).
"""

from __future__ import annotations

import io
import re
from datetime import datetime

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reconciler.engine.export import Export, ExportedFile, ExportedSchedule

_PLAIN_SAFE = re.compile(r"[A-Za-z_][A-Za-z0-9_ ./()-]*")
#: Words YAML 1.1 readers resolve to booleans or null.
_WORDS = frozenset(("y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"))
TIMEZONE_NOTE = (
    "check: not returned by Testsigma. UTC fires at the same instant; set the real zone, "
    "which decides the hour after a daylight-saving change"
)


def _text(value: str) -> str:
    """`value` plain when every YAML reader reads it as that text, else double-quoted."""
    if _PLAIN_SAFE.fullmatch(value) and value.lower() not in _WORDS and value == value.strip():
        return value
    quoted: str = DoubleQuotedScalarString(value)
    return quoted


def _scalar(key: str, value: object) -> object:
    if key == "nextInterval":
        return DoubleQuotedScalarString(str(value))
    return _text(value) if isinstance(value, str) else value


def _schedule_note(schedule: ExportedSchedule) -> str:
    note = f"id {schedule.id} in Testsigma"
    if schedule.test_plan:
        note += f', test plan "{schedule.test_plan}"'
    if schedule.unknown:
        note += f". check: {', '.join(schedule.unknown)} (not returned by Testsigma)"
    if schedule.same_name:
        others = ", ".join(str(i) for i in schedule.same_name)
        note += (
            f". check: ids {others} have the same name and are not exported: rename them in "
            "Testsigma, or adopt one with `reconciler import NAME ID`"
        )
    return note


def render_document(document: ExportedFile, *, source: str, now: datetime) -> str:
    """One file's YAML text, with its header, `defaults` and commented schedules."""
    doc = CommentedMap()
    doc["version"] = 1
    if document.defaults:
        defaults = CommentedMap((k, _scalar(k, v)) for k, v in document.defaults.items())
        if "timezone" in defaults:
            defaults.yaml_add_eol_comment(TIMEZONE_NOTE, "timezone")
        doc["defaults"] = defaults
    items = CommentedSeq()
    for index, schedule in enumerate(document.schedules):
        entry = CommentedMap((k, _scalar(k, v)) for k, v in schedule.entry.items())
        if "timezone" in entry and "timezone" in schedule.unknown:
            entry.yaml_add_eol_comment("check: not returned by Testsigma", "timezone")
        items.append(entry)
        items.yaml_set_comment_before_after_key(index, before=_schedule_note(schedule), indent=2)
    doc["schedules"] = items
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    doc.yaml_set_start_comment(
        f"The schedules of {document.title}, exported from {source} at {stamp}\n"
        "by `reconciler export`. Testsigma returns neither timezone nor executionConfig:\n"
        "each nextInterval is the exact instant (Z) with timezone UTC, and no favourite is\n"
        "written. For each `check:` comment, set the real timezone (keep the instant or\n"
        "write the local time) and add `executionConfig: {name: ...}` where the schedule\n"
        "runs a favourite; then adopt them with `reconciler import --all PATH`."
    )
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    return buffer.getvalue()


def summary(export: Export, *, written: int) -> str:
    """The one stderr line: how many schedules, files, and how many need a look."""
    count = len(export.schedules)
    shared = sum(1 for s in export.schedules if s.same_name)
    line = (
        f"Exported {count} schedule(s) in {written} document(s); {export.need_a_look} need a "
        "look (the `check:` comments): Testsigma returns neither timezone nor executionConfig"
    )
    if shared:
        line += f"; {shared} name(s) are used by more than one schedule"
    if export.unreadable:
        line += f"; {len(export.unreadable)} unreadable schedule(s) skipped"
    return line + "."
