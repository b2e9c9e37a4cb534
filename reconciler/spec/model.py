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

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel

# The one list of each vocabulary is core's.
from reconciler.core.model import SCHEDULE_TYPES as SCHEDULE_TYPES
from reconciler.core.model import STATUSES as STATUSES
from reconciler.core.model import ScheduleType, Status

MAX_NAME = 255
MAX_TEXT = 4096
MAX_RUNTIME_DATA = 200

#: `nextInterval` as written: a date, `T` (or a space), a time, an optional offset.
NEXT_INTERVAL_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
#: No control characters (C0, DEL, C1).
_NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"


def _positive_id(value: Any) -> Any:
    """An id: a positive int, or text of decimal digits (YAML users quote ids)."""
    if isinstance(value, bool):
        raise ValueError("expected a positive whole number")
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit():
            raise ValueError("expected a positive whole number")
        value = int(text)
    if not isinstance(value, int):
        raise ValueError("expected a positive whole number")
    if value <= 0:
        raise ValueError("expected a positive whole number (greater than 0)")
    return value


Id = Annotated[
    int,
    BeforeValidator(_positive_id),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": "^[0-9]+$"},
            ]
        }
    ),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME, pattern=_NO_CONTROL),
]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Timezone = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_NO_CONTROL)]
NextInterval = Annotated[str, StringConstraints(pattern=NEXT_INTERVAL_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        hide_input_in_errors=False,
    )


class ExecutionConfigRef(_Strict):
    """A saved favourite execution config (suites and filters), by name or by id."""

    model_config = ConfigDict(
        title="ExecutionConfig",
        json_schema_extra={
            "oneOf": [{"required": ["name"]}, {"required": ["id"]}],
            "examples": [{"name": "fav_config_name"}, {"id": 42}],
        },
    )

    name: Name | None = Field(
        default=None,
        title="Favourite name",
        description="The name of the saved favourite, as shown in the Testsigma UI.",
        examples=["smoke only"],
    )
    id: Id | None = Field(
        default=None,
        title="Favourite id",
        description="The id of the saved favourite (GET /saved_execution_configs).",
        examples=[42],
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ExecutionConfigRef:
        if self.name is not None and self.id is not None:
            raise ValueError("give exactly one of `name` or `id`, not both")
        if self.name is None and self.id is None:
            raise ValueError(
                "give the `name` or the `id` of the saved favourite; for a full run "
                "(no favourite, even when `defaults` names one) write `executionConfig: null`"
            )
        return self

    def payload(self) -> dict[str, Any]:
        return {"name": self.name} if self.name is not None else {"id": self.id}


def _execution_id_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Test plan id",
        description="The id of the test plan to run (called executionId in the API).",
        examples=[3857, "3857"],
    )


def _test_plan_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Test plan name",
        description="The test plan by its name instead of its id; resolved to the id at plan "
        "time (needs an API key). Give either this or executionId.",
        examples=["Checkout regression"],
    )


def _one_plan_reference(spec: Any) -> Any:
    if spec.execution_id is not None and spec.test_plan is not None:
        raise ValueError("give either `executionId` or `testPlan`, not both")
    if spec.execution_id is None and spec.test_plan is None:
        raise ValueError("`executionId` is required (or `testPlan`, the test plan's name)")
    return spec


def _execution_config_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Execution config",
        description="The saved favourite that narrows the test plan to a partial run: "
        "exactly one of `name` or `id`. Without it the whole test plan runs; an explicit "
        "null on a schedule or run removes the one `defaults` names.",
        examples=[{"name": "fav_config_name"}, {"id": 42}],
    )


def _timezone_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Timezone",
        description="The zone `nextInterval` is read in: an IANA name (America/New_York) or a "
        "short id Testsigma knows (IST, PST, ...). Required on the schedule or in defaults.",
        examples=["Asia/Kolkata", "America/New_York", "IST"],
    )


def _status_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Status",
        description="ACTIVE (the default) fires; IN_ACTIVE keeps the schedule but pauses it.",
        examples=["ACTIVE", "IN_ACTIVE"],
    )


def _comments_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Comments",
        description="Free text stored with the schedule in Testsigma. An explicit null on a "
        "schedule removes the one `defaults` gives.",
        examples=["owned by team checkout"],
    )


def _name_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Name",
        description="The identity: unique across all files; 1 to 255 characters.",
        examples=["checkout-nightly"],
    )


class Defaults(_Strict):
    """Values merged into every schedule and run of the same file (their own values win)."""

    model_config = ConfigDict(
        title="Defaults",
        json_schema_extra={"examples": [{"timezone": "Asia/Kolkata", "status": "ACTIVE"}]},
    )

    timezone: Timezone | None = _timezone_field(default=None)
    status: Status | None = _status_field(default=None)
    execution_config: ExecutionConfigRef | None = _execution_config_field(default=None)
    comments: Text | None = _comments_field(default=None)


class ScheduleSpec(_Strict):
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

    name: Name = _name_field()
    execution_id: Id | None = _execution_id_field(default=None)
    test_plan: Name | None = _test_plan_field(default=None)
    execution_config: ExecutionConfigRef | None = _execution_config_field(default=None)
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
    timezone: Timezone | None = _timezone_field(default=None)
    status: Status | None = _status_field(default=None)
    comments: Text | None = _comments_field(default=None)

    @model_validator(mode="after")
    def _plan_reference(self) -> ScheduleSpec:
        return _one_plan_reference(self)  # type: ignore[no-any-return]


class RunSpec(_Strict):
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

    name: Name = _name_field()
    execution_id: Id | None = _execution_id_field(default=None)
    test_plan: Name | None = _test_plan_field(default=None)
    execution_config: ExecutionConfigRef | None = _execution_config_field(default=None)
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
        return _one_plan_reference(self)  # type: ignore[no-any-return]


#: Top-level keys starting with this are free: places to define YAML anchors (as docker-compose).
EXTENSION_PREFIX = "x-"


class MovedSpec(_Strict):
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


class Document(_Strict):
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
    def _drop_extensions(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: v
                for k, v in data.items()
                if not (isinstance(k, str) and k.startswith(EXTENSION_PREFIX))
            }
        return data
