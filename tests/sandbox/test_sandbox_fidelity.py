"""The strict server's quirks, each against its description in docs/SANDBOX.md (real HTTP).

These are the sandbox's defaults: merging PUT, names not unique, the regex
query parser with its double decoding, paging without an order, column
limits and permanent errors as 500s, seconds precision when advancing, and
the scheduler that leaves a schedule stuck.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sandbox_helpers import future, schedule_body, wall

from reconciler.sandbox import Sandbox

ERROR_KEYS = {"error", "code", "fieldErrors", "objectErrors"}
DUPLICATE = "Entity with same name already exists, Please use different name"


def names(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return sorted(s["name"] for s in page.json()["content"])


# -- PUT merges -------------------------------------------------------------------


def test_put_merges_absent_and_null_fields_keep_their_values(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    created = api.post("/schedule_executions", json=schedule_body()).json()
    path = f"/schedule_executions/{created['id']}"
    body = schedule_body(comments=None, executionConfig=None, scheduleType="WEEKLY")
    response = api.put(path, json={**body, "status": None})
    assert response.status_code == 202
    assert response.json()["scheduleType"] == "WEEKLY"
    assert response.json()["comments"] == "owned by team checkout"  # absent: kept
    stored = sandbox.stored_body(created["id"])
    assert stored["executionConfig"] == {"name": "fav_config_name"}  # absent: kept
    assert stored["timezone"] == "Asia/Kolkata"
    # A PUT of one field changes that field only; an empty string does clear.
    assert api.put(path, json={"comments": ""}).json()["comments"] == ""
    assert api.get(path).json()["scheduleType"] == "WEEKLY"


def test_replacing_put_switch_clears_what_the_body_leaves_out(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(replacing_put=True)
    created = api.post("/schedule_executions", json=schedule_body()).json()
    body = schedule_body(comments=None, executionConfig=None)
    replaced = api.put(f"/schedule_executions/{created['id']}", json=body)
    assert replaced.status_code == 202
    assert replaced.json()["comments"] is None
    assert "executionConfig" not in sandbox.stored_body(created["id"])
    partial = api.put(f"/schedule_executions/{created['id']}", json={"comments": "x"})
    assert partial.status_code == 400  # a replacement needs every required field


# -- names are not unique -----------------------------------------------------------


def test_names_are_not_unique_a_second_post_gets_201(api: httpx.Client) -> None:
    first = api.post("/schedule_executions", json=schedule_body())
    second = api.post("/schedule_executions", json=schedule_body())
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_unique_names_switch_answers_the_servers_422_without_the_word_duplicate(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(unique_names=True)
    assert api.post("/schedule_executions", json=schedule_body()).status_code == 201
    refused = api.post("/schedule_executions", json=schedule_body())
    assert refused.status_code == 422
    assert refused.json()["error"] == DUPLICATE
    assert "duplicate" not in refused.text.lower()
    assert len(sandbox.schedules()) == 1


# -- the query parser ---------------------------------------------------------------

STORED = [
    "a",
    "a,b",
    "nightly",
    "Nïghtly",
    "nightly!",
    "'quoted",
    "'quoted'",
    "a+b",
    "a/b",
    "[prod] x",
    "a=b",
    "team:nightly",
    "smoke@eu",
    "50%off",
    "नमस्ते",
    "xa",
]
WHOLE = sorted(STORED)


@pytest.fixture
def many(api: httpx.Client, sandbox: Sandbox) -> None:
    for name in STORED:
        sandbox.add_schedule_outside(schedule_body(name=name))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a,b", ["a"]),  # the comma ends the value
        ("nightly!", ["Nïghtly", "nightly"]),  # trailing punctuation dropped; ci, ai
        ("'quoted'", ["'quoted"]),  # the leading mark stays, the trailing one goes
        ("NIGHTLY", ["Nïghtly", "nightly"]),
        ("nightly   ", ["Nïghtly", "nightly"]),  # trailing spaces pad
        ("a+b", WHOLE),  # no regex match: no filter at all
        ("a/b", WHOLE),
        ("[prod] x", WHOLE),
        ("a=b", WHOLE),
        ("smoke \U0001f525", WHOLE),
        ("नमस्ते", WHOLE),
        ("*ghtl*", ["Nïghtly", "nightly", "nightly!", "team:nightly"]),  # LIKE %ghtl%
        ("nigh*", ["Nïghtly", "nightly", "nightly!"]),  # LIKE nigh%
        ("*oted", ["'quoted"]),  # LIKE %oted
    ],
)
def test_name_queries_go_through_the_servers_regex(
    many: None, api: httpx.Client, value: str, expected: list[str]
) -> None:
    # httpx encodes the parameter once, as the reconciler's client does; the server
    # decodes it (servlet), matches the regex, then decodes the value twice more.
    page = api.get("/schedule_executions", params={"query": f"name:{value}", "size": 100})
    assert names(page) == sorted(expected)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("team:nightly", "team"),  # `team` becomes the attribute
        ("smoke@eu", "smoke"),
        ("50%off", "URLDecoder"),  # `%of` is not an escape
    ],
)
def test_name_queries_the_server_fails_on_are_500s(
    many: None, api: httpx.Client, value: str, why: str
) -> None:
    page = api.get("/schedule_executions", params={"query": f"name:{value}"})
    assert page.status_code == 500
    assert set(page.json()) == ERROR_KEYS
    assert why in page.json()["error"]


def test_the_value_is_decoded_twice_more_after_the_servlet(many: None, api: httpx.Client) -> None:
    # "x%2561" reaches the regex as "x%2561", decodes to "x%61", then to "xa".
    page = api.get("/schedule_executions", params={"query": "name:x%2561"})
    assert names(page) == ["xa"]


# -- paging and order ---------------------------------------------------------------


def test_pages_default_to_20_cap_at_2000_and_sort_by_id_on_request(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    ids = [sandbox.add_schedule_outside(schedule_body(name=f"s{i}"))["id"] for i in range(45)]
    first = api.get("/schedule_executions").json()
    assert (first["size"], len(first["content"]), first["totalPages"]) == (20, 20, 3)
    assert {"content", "totalElements", "totalPages", "number", "size", "last"} <= set(first)
    assert api.get("/schedule_executions", params={"size": 5000}).json()["size"] == 2000
    asc = api.get("/schedule_executions", params={"sort": "id,asc", "size": 100}).json()
    assert [s["id"] for s in asc["content"]] == ids
    desc = api.get("/schedule_executions", params={"sort": "id,desc", "size": 100}).json()
    assert [s["id"] for s in desc["content"]] == ids[::-1]


def test_without_sort_the_order_is_stable_but_not_by_id(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    ids = [sandbox.add_schedule_outside(schedule_body(name=f"s{i}"))["id"] for i in range(30)]
    once = [
        s["id"] for s in api.get("/schedule_executions", params={"size": 100}).json()["content"]
    ]
    again = [
        s["id"] for s in api.get("/schedule_executions", params={"size": 100}).json()["content"]
    ]
    assert once == again
    assert sorted(once) == ids
    assert once != ids


# -- column limits and permanent errors as 500 --------------------------------------


@pytest.mark.parametrize(
    ("override", "status"),
    [
        ({"name": "n" * 125}, 201),
        ({"name": "é" * 125}, 201),  # characters, not bytes
        ({"name": "n" * 126}, 500),
        ({"comments": "c" * 45}, 201),
        ({"comments": "c" * 46}, 500),
        ({"name": "rocket \U0001f680"}, 500),  # outside the BMP: 3-byte utf8 refuses it
        ({"comments": "\U0001d400"}, 500),
        ({"executionId": 999999}, 500),  # unknown test plan: a foreign-key failure
        ({"nextInterval": "tomorrow"}, 500),  # the parser's null: a NullPointerException
    ],
)
def test_column_limits_and_permanent_errors_answer_500_on_create_and_update(
    api: httpx.Client, override: dict[str, object], status: int
) -> None:
    created = api.post("/schedule_executions", json=schedule_body(**override))
    assert created.status_code == status
    if status == 500:
        assert set(created.json()) == ERROR_KEYS
        good = api.post("/schedule_executions", json=schedule_body(name="good")).json()
        updated = api.put(f"/schedule_executions/{good['id']}", json=schedule_body(**override))
        assert updated.status_code == 500
        assert api.get(f"/schedule_executions/{good['id']}").json() == good


def test_a_past_next_interval_is_500_current_time_is_greater(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    past = wall(sandbox.now() - timedelta(minutes=1), UTC)
    refused = api.post(
        "/schedule_executions", json=schedule_body(nextInterval=past, timezone="UTC")
    )
    assert refused.status_code == 500
    assert refused.json()["error"] == "Current time is greater than given time"


# -- the scheduler ------------------------------------------------------------------


def test_advancing_a_fired_schedule_drops_milliseconds(api: httpx.Client, sandbox: Sandbox) -> None:
    start = (sandbox.now() + timedelta(hours=1)).replace(microsecond=250_000)
    body = schedule_body(scheduleType="DAILY", nextInterval=wall(start, UTC), timezone="UTC")
    created = api.post("/schedule_executions", json=body).json()
    assert created["nextInterval"] % 1000 == 250
    sandbox.advance_clock(2 * 3600)
    fired = api.get(f"/schedule_executions/{created['id']}").json()
    assert fired["nextInterval"] == created["nextInterval"] - 250 + 86_400_000


def two_due_in_one_poll(api: httpx.Client, sandbox: Sandbox, plan: int = 3857) -> list[int]:
    """Two DAILY schedules of `plan`, due a second apart within one 3-minute poll window
    (a minute after a poll), then the clock past them."""
    soon = sandbox.now() + timedelta(minutes=30)
    at = datetime.fromtimestamp(soon.timestamp() // 180 * 180 + 60, UTC)
    ids = []
    for offset, name in ((0, "first"), (1, "second")):
        instant = wall(at + timedelta(seconds=offset), UTC)
        body = schedule_body(name=name, executionId=plan, nextInterval=instant, timezone="UTC")
        body.pop("executionConfig")
        ids.append(api.post("/schedule_executions", json=body).json()["id"])
    sandbox.advance_clock(3600)
    return ids


def test_two_schedules_of_one_plan_due_in_one_poll_leave_the_second_stuck(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    first, second = two_due_in_one_poll(api, sandbox)
    before = api.get(f"/schedule_executions/{second}").json()
    assert (sandbox.fires(first), sandbox.fires(second)) == (1, 0)
    sandbox.advance_clock(10 * 86400)
    after = api.get(f"/schedule_executions/{second}").json()
    assert after["status"] == "ACTIVE"
    assert after["nextInterval"] == before["nextInterval"]  # never advanced, never reset
    assert after["nextInterval"] < int(sandbox.now().timestamp() * 1000)
    assert (sandbox.fires(first), sandbox.fires(second)) == (11, 0)
    assert sandbox.queued(second)


def test_a_merging_put_does_not_unstick_a_schedule_but_delete_and_post_do(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    _, second = two_due_in_one_poll(api, sandbox)
    later = future(sandbox, hours=2)
    body = schedule_body(name="second", nextInterval=later, timezone="UTC", executionConfig=None)
    assert api.put(f"/schedule_executions/{second}", json=body).status_code == 202
    sandbox.advance_clock(86400)
    assert sandbox.fires(second) == 0
    assert api.delete(f"/schedule_executions/{second}").status_code == 202
    fresh = api.post(
        "/schedule_executions", json={**body, "nextInterval": future(sandbox, hours=2)}
    )
    sandbox.advance_clock(3 * 3600)
    assert sandbox.fires(fresh.json()["id"]) == 1


def test_a_replacing_put_resets_the_queue_status(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.configure(replacing_put=True)
    _, second = two_due_in_one_poll(api, sandbox)
    body = schedule_body(name="second", nextInterval=future(sandbox, hours=2), timezone="UTC")
    api.put(f"/schedule_executions/{second}", json=body)
    sandbox.advance_clock(3 * 3600)
    assert sandbox.fires(second) == 1


def test_a_long_scheduled_run_sticks_the_next_fire_of_its_own_schedule(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(scheduled_run_seconds=2 * 3600)  # runs longer than the period
    body = schedule_body(scheduleType="HOURLY", nextInterval=future(sandbox, minutes=5))
    created = api.post("/schedule_executions", json={**body, "timezone": "UTC"}).json()
    sandbox.advance_clock(5 * 3600)
    assert sandbox.fires(created["id"]) == 1
    assert sandbox.queued(created["id"])


def test_schedules_of_different_plans_due_together_both_fire(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    at = wall((sandbox.now() + timedelta(minutes=30)).replace(second=0, microsecond=0), UTC)
    ids = [
        api.post(
            "/schedule_executions",
            json=schedule_body(name=str(plan), executionId=plan, nextInterval=at, timezone="UTC"),
        ).json()["id"]
        for plan in (3857, 3860)
    ]
    sandbox.advance_clock(3600)
    assert [sandbox.fires(i) for i in ids] == [1, 1]


def test_an_on_demand_run_in_progress_also_sticks_a_due_schedule(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(run_polls_to_complete=1000, run_seconds_to_complete=3600)
    body = schedule_body(nextInterval=future(sandbox, minutes=5), timezone="UTC")
    created = api.post("/schedule_executions", json=body).json()
    assert api.post("/execution_results", json={"executionId": 3857}).status_code == 200
    sandbox.advance_clock(2 * 86400)
    assert sandbox.fires(created["id"]) == 0
    assert sandbox.queued(created["id"])


# -- the legacy Java clock: a wall time that happens twice, or never -------------------


@pytest.mark.parametrize(
    ("wall_time", "utc"),
    [
        ("2031-11-02T01:30:00.000", "2031-11-02T06:30:00Z"),  # a fold: the second pass (EST)
        ("2031-03-09T02:30:00.000", "2031-03-09T07:30:00Z"),  # a gap: moved forward by it
        ("2031-07-01T09:00:00.000", "2031-07-01T13:00:00Z"),  # plain EDT
    ],
)
def test_a_wall_time_is_read_as_the_servers_legacy_parser_reads_it(
    api: httpx.Client, wall_time: str, utc: str
) -> None:
    body = schedule_body(scheduleType="ONCE", nextInterval=wall_time, timezone="America/New_York")
    created = api.post("/schedule_executions", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["nextIntervalUTC"] == utc
