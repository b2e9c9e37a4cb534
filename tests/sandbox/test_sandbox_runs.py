"""On-demand partial runs: trigger, poll to completion, results, JUnit reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from reconciler.sandbox import Sandbox

STEPS = ["STATUS_QUEUED", "STATUS_PRE_FLIGHT", "STATUS_COMPLETED"]


def trigger(api: httpx.Client, **body: object) -> dict[str, Any]:
    response = api.post("/execution_results", json=body)
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()
    return run


def poll_statuses(api: httpx.Client, run_id: object, polls: int) -> list[dict[str, Any]]:
    return [api.get(f"/execution_results/{run_id}").json() for _ in range(polls)]


def test_a_run_is_created_queued_and_completes_after_three_polls(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    run = trigger(
        api,
        executionId=3857,
        executionConfig={"name": "smoke only"},
        buildNo="1.9.26",
        environmentId=10,
        runtimeData={"branch": "main"},
    )
    assert (run["status"], run["result"], run["executionId"]) == ("STATUS_CREATED", "QUEUED", 3857)
    assert run["app_url"] == f"{sandbox.url.removesuffix('/api/v1')}/ui/runs/{run['id']}"
    assert {"totalCount", "passedCount", "failedCount", "message"} <= set(run)
    polled = poll_statuses(api, run["id"], 3)
    assert [p["status"] for p in polled] == STEPS
    final = polled[-1]
    assert final["result"] == "SUCCESS"
    assert final["failedCount"] == 0
    assert final["passedCount"] == final["totalCount"] > 0


def test_runs_of_a_failing_plan_end_failure(api: httpx.Client, sandbox: Sandbox) -> None:
    flaky = trigger(api, executionId=4001)
    final = poll_statuses(api, flaky["id"], 3)[-1]
    assert (final["status"], final["result"]) == ("STATUS_COMPLETED", "FAILURE")
    assert final["failedCount"] > 0
    assert final["passedCount"] + final["failedCount"] == final["totalCount"]

    sandbox.configure(fail_plan_ids=frozenset({3857}), run_polls_to_complete=1)
    now_failing = trigger(api, executionId=3857)
    assert poll_statuses(api, now_failing["id"], 1)[-1]["result"] == "FAILURE"


def test_more_polls_to_complete_step_through_in_progress(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(run_polls_to_complete=5)
    run = trigger(api, executionId=3860)
    statuses = [p["status"] for p in poll_statuses(api, run["id"], 5)]
    assert statuses == [
        "STATUS_QUEUED",
        "STATUS_PRE_FLIGHT",
        "STATUS_IN_PROGRESS",
        "STATUS_IN_PROGRESS",
        "STATUS_COMPLETED",
    ]


def test_moving_the_clock_completes_a_run(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.configure(run_polls_to_complete=100)
    run = trigger(api, executionId=3857)
    sandbox.advance_clock(3600)
    assert poll_statuses(api, run["id"], 1)[0]["status"] == "STATUS_COMPLETED"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"executionId": 999999}, 500),  # an unknown test plan: a 500, as on the server
        ({}, 400),
        ({"executionId": 3857, "executionConfig": {"name": "nope"}}, 400),
        ({"executionId": 3857, "runtimeData": {"branch": 1}}, 400),
        ({"executionId": 3857, "environmentId": "ten"}, 400),
    ],
)
def test_bad_triggers_are_refused(api: httpx.Client, body: dict[str, object], status: int) -> None:
    response = api.post("/execution_results", json=body)
    assert response.status_code == status
    assert set(response.json()) == {"error", "code", "fieldErrors", "objectErrors"}


def test_an_unknown_run_is_404(api: httpx.Client) -> None:
    assert api.get("/execution_results/5").status_code == 404
    assert api.get("/reports/junit/5", headers={"Accept": "application/xml"}).status_code == 404


def junit(api: httpx.Client, run_id: object) -> ET.Element:
    response = api.get(f"/reports/junit/{run_id}", headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


def test_junit_reports_the_completed_run(api: httpx.Client) -> None:
    run = trigger(api, executionId=4001)
    final = poll_statuses(api, run["id"], 3)[-1]
    suite = junit(api, run["id"]).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == final["totalCount"]
    assert sum(1 for c in cases if c.find("failure") is not None) == final["failedCount"]
    assert suite.get("failures") == str(final["failedCount"])


def test_junit_before_completion_is_200_with_plain_text_not_xml(api: httpx.Client) -> None:
    run = trigger(api, executionId=3857)
    early = api.get(f"/reports/junit/{run['id']}", headers={"Accept": "application/xml"})
    assert early.status_code == 200
    assert early.headers["content-type"].startswith("text/plain")
    assert early.text == "Report generation failed, Test plan run is not completed"
    with pytest.raises(ET.ParseError):
        ET.fromstring(early.text)
    poll_statuses(api, run["id"], 3)
    assert junit(api, run["id"]).find("testsuite") is not None


def test_junit_refuses_a_json_only_accept(api: httpx.Client) -> None:
    run = trigger(api, executionId=3857)
    response = api.get(f"/reports/junit/{run['id']}", headers={"Accept": "application/json"})
    assert response.status_code == 406
