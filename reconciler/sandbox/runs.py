"""On-demand partial runs (`execution_results`) and their JUnit reports.

A run moves one status step per poll and completes after
`run_polls_to_complete` polls, or once `run_seconds_to_complete` of sandbox
time has passed since it was triggered (so `advance_clock` finishes runs too).
Before completion the JUnit endpoint answers as the open-source server does:
200 with the plain text "Report generation failed, Test plan run is not
completed" (not XML). An unknown test plan on a trigger is a 500, as there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import quoteattr

from reconciler.sandbox import seeds
from reconciler.sandbox.apierror import ApiError, field_error, not_found
from reconciler.sandbox.clockwork import epoch_ms

FIRST_RUN_ID = 90001
_STEPS = ("STATUS_QUEUED", "STATUS_PRE_FLIGHT", "STATUS_IN_PROGRESS")
_FAILED_CASES = 2


@dataclass(slots=True)
class Run:
    """One triggered run and how far it has got."""

    id: int
    plan: seeds.TestPlan
    config: seeds.SavedConfig | None
    body: dict[str, Any]
    started: datetime
    failing: bool
    polls: int = 0
    completed: bool = False
    total: int = field(init=False)

    def __post_init__(self) -> None:
        # A partial run runs a share of the plan: fewer cases under a favourite.
        count = self.plan.test_case_count
        self.total = max(1, count // 2) if self.config is not None else count

    @property
    def status(self) -> str:
        if self.completed:
            return "STATUS_COMPLETED"
        if self.polls == 0:
            return "STATUS_CREATED"
        return _STEPS[min(self.polls, len(_STEPS)) - 1]

    def to_json(self, base_url: str) -> dict[str, Any]:
        failed = (_FAILED_CASES if self.failing else 0) if self.completed else 0
        passed = self.total - failed if self.completed else 0
        result = ("FAILURE" if self.failing else "SUCCESS") if self.completed else "QUEUED"
        return {
            "id": self.id,
            "executionId": self.plan.id,
            "testPlanName": self.plan.name,
            "result": result,
            "status": self.status,
            "message": _MESSAGES[result],
            "buildNo": self.body.get("buildNo"),
            "environmentId": self.body.get("environmentId"),
            "runtimeData": self.body.get("runtimeData"),
            "totalCount": self.total,
            "passedCount": passed,
            "failedCount": failed,
            "abortedCount": 0,
            "notExecutedCount": 0,
            "stoppedCount": 0,
            "queuedCount": 0 if self.completed else self.total,
            "startTime": epoch_ms(self.started),
            "app_url": f"{base_url}/ui/runs/{self.id}",
        }

    def junit(self) -> str:
        """A JUnit XML document for the run (the API answers it once completed)."""
        failed = _FAILED_CASES if self.failing and self.completed else 0
        skipped = 0 if self.completed else self.total
        cases = []
        for index in range(1, self.total + 1):
            case_name = quoteattr(f"{self.plan.name} case {index}")
            if not self.completed:
                inner = '<skipped message="not executed yet"/>'
            elif index <= failed:
                inner = '<failure message="assertion failed" type="AssertionError"/>'
            else:
                inner = ""
            cases.append(
                f'    <testcase name={case_name} classname="testsigma.{self.plan.id}" '
                f'time="1.000">{inner}</testcase>'
            )
        name = quoteattr(self.plan.name)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name={name} tests="{self.total}" failures="{failed}" errors="0">\n'
            f'  <testsuite name={name} id="{self.id}" tests="{self.total}" '
            f'failures="{failed}" errors="0" skipped="{skipped}">\n'
            + "\n".join(cases)
            + "\n  </testsuite>\n</testsuites>\n"
        )


_MESSAGES = {
    "QUEUED": "Test plan execution queued",
    "SUCCESS": "Test plan execution completed: all test cases passed",
    "FAILURE": "Test plan execution completed: some test cases failed",
}


def _validate_trigger(body: Any) -> tuple[seeds.TestPlan, seeds.SavedConfig | None]:
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object", code="BAD_REQUEST")
    raw_id = body.get("executionId")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str) or not str(raw_id).isdigit():
        raise ApiError(
            400,
            "executionId is required",
            code="VALIDATION_FAILED",
            field_errors=[field_error("executionId", "executionId must be a test plan id", raw_id)],
        )
    plan = seeds.plan_by_id(int(raw_id))
    if plan is None:
        raise ApiError(500, f"No TestPlan entity with id {raw_id} exists!", code="INTERNAL_ERROR")
    errors = []
    config = None
    if body.get("executionConfig") is not None:
        config = seeds.config_by_ref(body["executionConfig"])
        if config is None:
            errors.append(
                field_error(
                    "executionConfig",
                    "No saved execution config matches {name} or {id}",
                    body["executionConfig"],
                )
            )
    runtime = body.get("runtimeData")
    if runtime is not None and not (
        isinstance(runtime, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in runtime.items())
    ):
        errors.append(
            field_error("runtimeData", "runtimeData must map strings to strings", runtime)
        )
    env = body.get("environmentId")
    if env is not None and (isinstance(env, bool) or not isinstance(env, int)):
        errors.append(field_error("environmentId", "environmentId must be an integer", env))
    build = body.get("buildNo")
    if build is not None and not isinstance(build, str):
        errors.append(field_error("buildNo", "buildNo must be a string", build))
    if errors:
        raise ApiError(400, "Validation failed", code="VALIDATION_FAILED", field_errors=errors)
    return plan, config


class RunBook:
    """Every triggered run by id."""

    def __init__(self) -> None:
        self._by_id: dict[int, Run] = {}
        self._next_id = FIRST_RUN_ID

    def trigger(self, body: Any, *, now: datetime, fail_plan_ids: frozenset[int]) -> Run:
        plan, config = _validate_trigger(body)
        run = Run(
            id=self._next_id,
            plan=plan,
            config=config,
            body=dict(body),
            started=now,
            failing=plan.id in fail_plan_ids,
        )
        self._next_id += 1
        self._by_id[run.id] = run
        return run

    def get(self, run_id: int) -> Run:
        run = self._by_id.get(run_id)
        if run is None:
            raise not_found(f"Run {run_id}")
        return run

    def poll(self, run_id: int, *, now: datetime, polls_to_complete: int, seconds: float) -> Run:
        """Count one poll and move the run on."""
        run = self.get(run_id)
        run.polls += 1
        self.settle(run, now=now, polls_to_complete=polls_to_complete, seconds=seconds)
        return run

    def running_plans(
        self, at: datetime, *, polls_to_complete: int, seconds: float
    ) -> frozenset[int]:
        """Test plans with an on-demand run in progress at `at`."""
        return frozenset(
            run.plan.id
            for run in self._by_id.values()
            if not run.completed
            and run.polls < polls_to_complete
            and run.started <= at < run.started + timedelta(seconds=seconds)
        )

    def settle(self, run: Run, *, now: datetime, polls_to_complete: int, seconds: float) -> None:
        if run.polls >= polls_to_complete or now >= run.started + timedelta(seconds=seconds):
            run.completed = True


#: What the JUnit endpoint answers (200, plain text) before the run completes.
JUNIT_NOT_READY = "Report generation failed, Test plan run is not completed"
