"""The building blocks of the YAML models: value types, limits and shared fields.

`reconciler.spec.model` composes these into the file's models; keeping the
types (an id, a name, a time as written) and each shared field's title,
description and examples here means a field reads the same in every model and
in the JSON Schema (docs/YAML.md "Format").
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel

from reconciler.core import payload as core_payload

MAX_NAME = 255
#: The server's columns (docs/API.md "Column limits"): `name VARCHAR(125)`, `comments
#: VARCHAR(45)`, 3-byte utf8. Beyond them it answers a 500 that looks like a fault.
MAX_SCHEDULE_NAME = 125
MAX_COMMENTS = 45
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


def _in_bmp(value: str) -> str:
    """The server stores 3-byte utf8: no character outside the Basic Multilingual Plane."""
    if value.isascii() or max(value) <= "\uffff":  # the usual case, in C
        return value
    wide = next((c for c in value if ord(c) > 0xFFFF), None)
    if wide is not None:
        raise ValueError(
            f"contains {wide!r} (U+{ord(wide):04X}), a character outside the Basic Multilingual "
            "Plane: Testsigma cannot store it (emoji and some CJK characters are such)"
        )
    return value


ScheduleName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_SCHEDULE_NAME, pattern=_NO_CONTROL),
    AfterValidator(_in_bmp),
]
Comments = Annotated[str, StringConstraints(max_length=MAX_COMMENTS), AfterValidator(_in_bmp)]
Timezone = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_NO_CONTROL)]
NextInterval = Annotated[str, StringConstraints(pattern=NEXT_INTERVAL_PATTERN)]


class StrictModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        hide_input_in_errors=False,
    )


class ExecutionConfigRef(StrictModel):
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

    def payload(self) -> core_payload.ExecutionConfigRef:
        if self.name is not None:
            return {"name": self.name}
        assert self.id is not None  # exactly one of the two (checked above)
        return {"id": self.id}


def execution_id_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Test plan id",
        description="The id of the test plan to run (called executionId in the API).",
        examples=[3857, "3857"],
    )


def test_plan_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Test plan name",
        description="The test plan by its name instead of its id; resolved to the id at plan "
        "time (needs an API key). Give either this or executionId.",
        examples=["Checkout regression"],
    )


def check_one_plan_reference(execution_id: int | None, test_plan: str | None) -> None:
    """A schedule or run names its test plan exactly once: by id or by name."""
    if execution_id is not None and test_plan is not None:
        raise ValueError("give either `executionId` or `testPlan`, not both")
    if execution_id is None and test_plan is None:
        raise ValueError("`executionId` is required (or `testPlan`, the test plan's name)")


def execution_config_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Execution config",
        description="The saved favourite that narrows the test plan to a partial run: "
        "exactly one of `name` or `id`. Without it the whole test plan runs; an explicit "
        "null on a schedule or run removes the one `defaults` names.",
        examples=[{"name": "fav_config_name"}, {"id": 42}],
    )


def timezone_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Timezone",
        description="The zone `nextInterval` is read in: an IANA name (America/New_York) or a "
        "short id Testsigma knows (IST, PST, ...). Required on the schedule or in defaults.",
        examples=["Asia/Kolkata", "America/New_York", "IST"],
    )


def status_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Status",
        description="ACTIVE (the default) fires; IN_ACTIVE keeps the schedule but pauses it.",
        examples=["ACTIVE", "IN_ACTIVE"],
    )


def comments_field(**kwargs: Any) -> Any:
    return Field(
        **kwargs,
        title="Comments",
        description="Free text stored with the schedule in Testsigma, at most 45 characters "
        "(the server's column). An explicit null on a schedule removes the one `defaults` gives.",
        examples=["owned by team checkout"],
    )


def name_field(**kwargs: Any) -> Any:
    kwargs.setdefault("description", "The identity: unique across all files; 1 to 255 characters.")
    return Field(**kwargs, title="Name", examples=["checkout-nightly"])
