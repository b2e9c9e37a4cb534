"""The YAML language, version 1, as pydantic models (docs/YAML.md).

These models are the single definition of what a file may contain: validation and
the JSON Schema (`reconciler schema`) both come from them, so the two never drift.
Every field carries a title, a description and examples because editors show them
on hover. Field names are the API's (camelCase in YAML, snake_case in Python).

What the models deliberately do *not* check: whether `timezone` names a real zone
and whether `nextInterval` is a real time. Those go through `reconciler.timekeeping`
(in `desired.py`) so that one module owns time. The JSON Schema still gives
`nextInterval` a pattern, as a first line of help in editors.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

# The one list of each vocabulary is core's.
from reconciler.core.model import ScheduleType, Status
from reconciler.spec.fields import (
    MAX_NAME,
    MAX_RUNTIME_DATA,
    Comments,
    ExecutionConfigRef,
    Id,
    Name,
    NextInterval,
    ScheduleName,
    StrictModel,
    Text,
    Timezone,
    check_one_plan_reference,
    comments_field,
    execution_config_field,
    execution_id_field,
    name_field,
    status_field,
    test_plan_field,
    timezone_field,
)


class Defaults(StrictModel):
    """Values merged into every schedule and run of the same file (their own values win)."""

    model_config = ConfigDict(
        title="Defaults",
        json_schema_extra={"examples": [{"timezone": "Asia/Kolkata", "status": "ACTIVE"}]},
    )

    timezone: Timezone | None = timezone_field(default=None)
    status: Status | None = status_field(default=None)
    execution_config: ExecutionConfigRef | None = execution_config_field(default=None)
    comments: Comments | None = comments_field(default=None)


class ScheduleSpec(StrictModel):
    """One scheduled partial run, as `POST /schedule_executions` takes it."""

    model_config = ConfigDict(
        title="Schedule",
        json_schema_extra={
            "oneOf": [{"required": ["executionId"]}, {"required": ["testPlan"]}],
            "examples": [
                {
                    "name": "checkout-nightly",
                    "executionId": 3857,
                    "executionConfig": {"name": "fav_config_name"},
                    "scheduleType": "DAILY",
                    "nextInterval": "2026-12-01T17:30:00",
                    "timezone": "Asia/Kolkata",
                }
            ],
        },
    )

    name: ScheduleName = name_field(
        description="The identity: unique across all files; 1 to 125 characters (the "
        "server's column), none outside the Basic Multilingual Plane."
    )
    execution_id: Id | None = execution_id_field(default=None)
    test_plan: Name | None = test_plan_field(default=None)
    execution_config: ExecutionConfigRef | None = execution_config_field(default=None)
    schedule_type: ScheduleType = Field(
        title="Schedule type",
        description="How often it fires. BIWEEKLY and YEARLY come from the open-source "
        "server; the hosted product may refuse them.",
        examples=["DAILY", "ONCE"],
    )
    next_interval: NextInterval = Field(
        title="Next interval",
        description="The first run, and the anchor of the recurrence. Without an offset it is "
        "wall-clock time in `timezone`; with Z or an offset it is an instant. Quote it.",
        examples=["2026-12-01T17:30:00", "2026-12-01T12:00:00Z", "2026-12-01T17:30:00+05:30"],
    )
    timezone: Timezone | None = timezone_field(default=None)
    status: Status | None = status_field(default=None)
    comments: Comments | None = comments_field(default=None)

    @model_validator(mode="after")
    def _plan_reference(self) -> ScheduleSpec:
        check_one_plan_reference(self.execution_id, self.test_plan)
        return self


class RunSpec(StrictModel):
    """A named on-demand partial run, as `POST /execution_results` takes it."""

    model_config = ConfigDict(
        title="Run",
        json_schema_extra={
            "oneOf": [{"required": ["executionId"]}, {"required": ["testPlan"]}],
            "examples": [
                {
                    "name": "smoke-on-merge",
                    "executionId": 3857,
                    "executionConfig": {"name": "smoke only"},
                    "buildNo": "1.9.26",
                    "runtimeData": {"branch": "main"},
                }
            ],
        },
    )

    name: Name = name_field()
    execution_id: Id | None = execution_id_field(default=None)
    test_plan: Name | None = test_plan_field(default=None)
    execution_config: ExecutionConfigRef | None = execution_config_field(default=None)
    environment_id: Id | None = Field(
        default=None,
        title="Environment id",
        description="The Testsigma environment to run in.",
        examples=[10],
    )
    build_no: Annotated[str, StringConstraints(max_length=MAX_NAME)] | None = Field(
        default=None,
        title="Build number",
        description="A build label reported with the run. Quote it: 1.10 is not 1.1.",
        examples=["1.9.26"],
    )
    runtime_data: (
        Annotated[
            dict[Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)], Text],
            Field(max_length=MAX_RUNTIME_DATA),
        ]
        | None
    ) = Field(
        default=None,
        title="Runtime data",
        description="Test data parameters for this run: a map of text to text.",
        examples=[{"branch": "main"}],
    )

    @model_validator(mode="after")
    def _plan_reference(self) -> RunSpec:
        check_one_plan_reference(self.execution_id, self.test_plan)
        return self


#: Top-level keys starting with this are free: places to define YAML anchors (as docker-compose).
EXTENSION_PREFIX = "x-"


class MovedSpec(StrictModel):
    """A rename: the schedule recorded as `from` is now declared as `to` (one PUT, id kept)."""

    model_config = ConfigDict(
        title="Moved",
        json_schema_extra={"examples": [{"from": "search-morning", "to": "search-am"}]},
    )

    source: Name = Field(
        alias="from",
        title="Old name",
        description="The name the schedule is recorded under. Once applied (or when nothing "
        "is recorded under it) the entry does nothing, so it may stay a while.",
        examples=["search-morning"],
    )
    target: Name = Field(
        alias="to",
        title="New name",
        description="The new name: a schedule declared in one of the files.",
        examples=["search-am"],
    )


class Document(StrictModel):
    """One YAML file: optional `version` and `defaults`, and `schedules` and/or `runs`.

    Top-level keys starting with `x-` are ignored: they hold anchors (`x-nightly: &nightly`)
    that schedules merge in with `<<: *nightly`.
    """

    model_config = ConfigDict(
        title="testsigma-reconciler file (version 1)",
        json_schema_extra={
            "patternProperties": {
                f"^{EXTENSION_PREFIX}": {
                    "description": "Free: a place for YAML anchors; ignored otherwise."
                }
            },
            "examples": [
                {
                    "version": 1,
                    "defaults": {"timezone": "Asia/Kolkata"},
                    "schedules": [
                        {
                            "name": "checkout-nightly",
                            "executionId": 3857,
                            "scheduleType": "DAILY",
                            "nextInterval": "2026-12-01T17:30:00",
                        }
                    ],
                }
            ],
        },
    )

    version: Literal[1] | None = Field(
        default=None,
        title="Format version",
        description="The version of this file format. Optional; only 1 exists.",
        examples=[1],
    )
    defaults: Defaults | None = Field(
        default=None,
        title="Defaults",
        description="Values merged into every schedule and run of this file: timezone, "
        "status, executionConfig, comments. A schedule's own value wins; its explicit null "
        "removes the default.",
        examples=[{"timezone": "Asia/Kolkata", "status": "ACTIVE"}],
    )
    schedules: list[ScheduleSpec] | None = Field(
        default=None,
        title="Schedules",
        description="The scheduled partial runs this file declares.",
        examples=[
            [
                {
                    "name": "checkout-nightly",
                    "executionId": 3857,
                    "scheduleType": "DAILY",
                    "nextInterval": "2026-12-01T17:30:00",
                    "timezone": "Asia/Kolkata",
                }
            ]
        ],
    )
    moved: list[MovedSpec] | None = Field(
        default=None,
        title="Moved",
        description="Renames, like Terraform's moved blocks: each `{from: old, to: new}` renames "
        "the recorded schedule with one PUT instead of a create plus an orphan.",
        examples=[[{"from": "search-morning", "to": "search-am"}]],
    )
    runs: list[RunSpec] | None = Field(
        default=None,
        title="Runs",
        description="Named on-demand partial runs, triggered with `reconciler run NAME`.",
        examples=[
            [
                {
                    "name": "smoke-on-merge",
                    "executionId": 3857,
                    "executionConfig": {"name": "smoke only"},
                }
            ]
        ],
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, data: object) -> object:
        if isinstance(data, dict):
            return {
                k: v
                for k, v in data.items()
                if not (isinstance(k, str) and k.startswith(EXTENSION_PREFIX))
            }
        return data
