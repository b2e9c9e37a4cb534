"""Exported YAML reads back as exactly what was exported, whatever the names and comments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ruamel.yaml import YAML

from reconciler.core.model import LiveSchedule
from reconciler.engine.export import build_export
from reconciler.render.export_yaml import render_document
from reconciler.spec import Source, load_desired

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
AWKWARD = [
    "yes",
    "123",
    "1.5",
    "null",
    "a: b # c",
    "- dash",
    " padded ",
    "चेकआउट nightly",
    'quote " and \\ back',
    "2026-12-01",
    "*star",
    "&amp",
    "!bang",
    "[prod] checkout",
    "{x}",
    "on",
    "~",
]


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_names_and_comments_round_trip(name: str) -> None:
    item = LiveSchedule(
        id=7,
        name=name,
        execution_id=3857,
        schedule_type="WEEKLY",
        status="ACTIVE",
        comments=name,
        next_ms=1_803_886_200_000,
    )
    export = build_export([item], [{"id": 3857, "name": "Checkout"}])
    text = render_document(export.files[0], source="https://example.test/api/v1", now=NOW)
    desired = load_desired([Source("out.yaml", text.encode())])
    (schedule,) = desired.schedules
    assert schedule.name == name
    assert schedule.payload["comments"] == name
    assert schedule.payload["nextInterval"] == "2027-03-01T07:30:00.000"
    assert schedule.payload["timezone"] == "UTC"
    # Another parser (YAML 1.2 safe loader) reads the same strings.
    doc = YAML(typ="safe").load(text)
    assert doc["schedules"][0]["name"] == name
    assert doc["schedules"][0]["nextInterval"] == "2027-03-01T07:30:00Z"
