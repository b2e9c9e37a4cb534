"""The JSON Schema: generated from the models, complete for editors, and committed as is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.spec import json_schema
from reconciler.spec.loader import load_document
from reconciler.spec.positions import Source

ROOT = Path(__file__).resolve().parent.parent.parent
COMMITTED = ROOT / "schemas" / "reconciler-v1.schema.json"
GOOD = ROOT / "tests" / "fixtures" / "good"


def properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every property of every object in the schema, as `Object.property`."""
    found = {f"Document.{k}": v for k, v in schema["properties"].items()}
    for name, definition in schema["$defs"].items():
        found.update({f"{name}.{k}": v for k, v in definition.get("properties", {}).items()})
    return found


def test_the_committed_schema_is_the_generated_one() -> None:
    expected = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    assert COMMITTED.read_text(encoding="utf-8") == expected, (
        "schemas/reconciler-v1.schema.json is stale: "
        "run `reconciler schema > schemas/reconciler-v1.schema.json`"
    )


def test_it_is_draft_2020_12_and_forbids_unknown_keys() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert all(d["additionalProperties"] is False for d in schema["$defs"].values())


def test_every_field_has_a_title_a_description_and_examples() -> None:
    for name, prop in properties(json_schema()).items():
        assert prop.get("title"), name
        assert prop.get("description"), name
        assert prop.get("examples"), name


def test_enums_and_the_next_interval_pattern_are_in_the_schema() -> None:
    props = properties(json_schema())
    assert props["ScheduleSpec.scheduleType"]["enum"] == [
        "ONCE",
        "HOURLY",
        "DAILY",
        "WEEKLY",
        "BIWEEKLY",
        "MONTHLY",
        "YEARLY",
    ]
    status = json.dumps(props["ScheduleSpec.status"])
    assert '"enum": ["ACTIVE", "IN_ACTIVE"]' in status
    pattern = props["ScheduleSpec.nextInterval"]["pattern"]
    assert pattern.startswith("^[0-9]{4}-")
    schedule = json_schema()["$defs"]["ScheduleSpec"]
    assert {"name", "scheduleType", "nextInterval"} == set(schedule["required"])
    # the test plan is required too, by id or by name: exactly one of the two
    assert schedule["oneOf"] == [{"required": ["executionId"]}, {"required": ["testPlan"]}]


def test_the_good_fixtures_validate_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    for path in sorted(GOOD.rglob("*.y*ml")):
        loaded, problems = load_document(Source(str(path), path.read_bytes()))
        assert not problems and loaded is not None
        if loaded.data is not None:
            assert list(validator.iter_errors(loaded.data)) == [], path


def test_the_schema_accepts_x_keys_and_explicit_nulls_as_the_loader_does() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    doc = {
        "x-nightly": {"scheduleType": "DAILY"},
        "defaults": {"executionConfig": {"name": "fav"}},
        "schedules": [
            {
                "name": "a",
                "executionId": 1,
                "scheduleType": "DAILY",
                "nextInterval": "2030-01-01T00:00:00",
                "timezone": "UTC",
                "executionConfig": None,
                "comments": None,
            }
        ],
    }
    assert list(validator.iter_errors(doc)) == []
    assert list(validator.iter_errors({**doc, "nightly": {}}))  # other unknown keys: still not
