"""The schedule endpoints over real HTTP: happy paths and every enforced error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest
from sandbox_helpers import fast_client, future, ms, schedule_body, wall

from reconciler.sandbox import Sandbox

ERROR_KEYS = {"error", "code", "fieldErrors", "objectErrors"}


def field_names(response: httpx.Response) -> set[str]:
    return {e["field"] for e in response.json()["fieldErrors"]}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-key-123"}],
    ids=["missing", "wrong-key", "no-bearer"],
)
def test_a_missing_or_bad_key_is_refused_with_401(
    sandbox: Sandbox, headers: dict[str, str]
) -> None:
    with fast_client(sandbox.url.removesuffix("/api/v1"), headers=headers) as anonymous:
        for path in ("/api/v1/test_plans", "/api/v1/schedule_executions", "/_sandbox/requests"):
            response = anonymous.get(path)
            assert response.status_code == 401
            assert response.headers["content-type"].startswith("text/plain")
            assert response.text == "Incorrect API Key"
    assert sandbox.requests() == []


def test_create_answers_201_with_the_schedule_as_the_api_returns_it(api: httpx.Client) -> None:
    response = api.post("/schedule_executions", json=schedule_body())
    assert response.status_code == 201
    created = response.json()
    instant = datetime(2030, 1, 31, 12, 0, tzinfo=UTC)  # 17:30 in Asia/Kolkata (+05:30)
    assert created["id"] == 1001
    assert created["nextInterval"] == ms(instant)
    assert created["nextIntervalUTC"] == "2030-01-31T12:00:00Z"
    assert created["name"] == "checkout-nightly"
    assert created["executionId"] == 3857
    assert created["scheduleType"] == "DAILY"
    assert created["status"] == "ACTIVE"
    assert created["comments"] == "owned by team checkout"
    assert "timezone" not in created and "executionConfig" not in created
    assert {"createdById", "createdDate", "updatedById", "updatedDate"} <= set(created)
    second = api.post("/schedule_executions", json=schedule_body(name="other")).json()
    assert second["id"] == 1002


def test_status_defaults_to_active_and_ids_are_numeric_strings_too(api: httpx.Client) -> None:
    body = schedule_body(status=None, executionId="3858", executionConfig={"id": 202})
    created = api.post("/schedule_executions", json=body).json()
    assert created["status"] == "ACTIVE"
    assert created["executionId"] == 3858


def test_get_put_delete_round_trip(api: httpx.Client) -> None:
    created = api.post("/schedule_executions", json=schedule_body()).json()
    path = f"/schedule_executions/{created['id']}"
    assert api.get(path).json() == created

    update = schedule_body(scheduleType="WEEKLY", status="IN_ACTIVE", comments="moved")
    updated = api.put(path, json=update)
    assert updated.status_code == 202
    assert updated.json()["scheduleType"] == "WEEKLY"
    assert updated.json()["status"] == "IN_ACTIVE"
    assert api.get(path).json()["comments"] == "moved"

    assert api.delete(path).status_code == 202
    missing = api.get(path)
    assert missing.status_code == 404
    assert set(missing.json()) == ERROR_KEYS
    assert api.delete(path).status_code == 404
    assert api.put(path, json=update).status_code == 404


def test_missing_required_fields_are_all_reported_in_one_400(api: httpx.Client) -> None:
    response = api.post("/schedule_executions", json={"comments": "nothing else"})
    assert response.status_code == 400
    assert field_names(response) == {
        "name",
        "executionId",
        "scheduleType",
        "nextInterval",
        "timezone",
    }


@pytest.mark.parametrize(
    "value",
    [
        "2030-01-31T17:30:00",
        "2030-01-31T17:30:00.000Z",
        "2030-01-31T17:30:00.000+05:30",
        "2030-01-31 17:30:00.000",
        "2030-01-31",
        "2030-02-30T17:30:00.000",
        1895000000000,
    ],
)
def test_an_unparseable_next_interval_is_a_500(api: httpx.Client, value: object) -> None:
    response = api.post("/schedule_executions", json=schedule_body(nextInterval=value))
    assert response.status_code == 500  # the server's parser yields null: a NullPointerException
    assert set(response.json()) == ERROR_KEYS
    assert api.get("/schedule_executions").json()["totalElements"] == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"scheduleType": "FORTNIGHTLY"}, "scheduleType"),
        ({"status": "PAUSED"}, "status"),
        ({"executionId": "abc"}, "executionId"),
        ({"executionConfig": {"name": "no such favourite"}}, "executionConfig"),
        ({"executionConfig": {"id": 999}}, "executionConfig"),
    ],
)
def test_bad_values_are_refused_with_a_field_error(
    api: httpx.Client, override: dict[str, object], field: str
) -> None:
    response = api.post("/schedule_executions", json=schedule_body(**override))
    assert response.status_code == 400
    assert field_names(response) == {field}


def test_a_past_time_is_refused_with_500(api: httpx.Client, sandbox: Sandbox) -> None:
    past = wall(sandbox.now() - timedelta(minutes=5), UTC)
    response = api.post(
        "/schedule_executions", json=schedule_body(nextInterval=past, timezone="UTC")
    )
    assert response.status_code == 500
    assert response.json()["error"] == "Current time is greater than given time"


def test_past_is_judged_as_wall_time_in_the_schedule_zone(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    # Two hours ahead as UTC wall time is ten hours ago in Kiritimati (UTC+14).
    wall_time = future(sandbox, hours=2)
    ahead = api.post(
        "/schedule_executions", json=schedule_body(nextInterval=wall_time, timezone="UTC")
    )
    assert ahead.status_code == 201
    behind = api.post(
        "/schedule_executions",
        json=schedule_body(name="b", nextInterval=wall_time, timezone="Pacific/Kiritimati"),
    )
    assert behind.status_code == 500


def test_a_put_to_a_past_time_is_refused_too(api: httpx.Client, sandbox: Sandbox) -> None:
    created = api.post("/schedule_executions", json=schedule_body()).json()
    past = wall(sandbox.now() - timedelta(days=1), UTC)
    response = api.put(
        f"/schedule_executions/{created['id']}",
        json=schedule_body(nextInterval=past, timezone="UTC"),
    )
    assert response.status_code == 500
    assert api.get(f"/schedule_executions/{created['id']}").json() == created


def test_with_unique_names_duplicates_are_refused_with_422(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(unique_names=True)
    first = api.post("/schedule_executions", json=schedule_body()).json()
    assert api.post("/schedule_executions", json=schedule_body()).status_code == 422
    other = api.post("/schedule_executions", json=schedule_body(name="other")).json()
    renamed = api.put(f"/schedule_executions/{other['id']}", json=schedule_body())
    assert renamed.status_code == 422
    assert set(renamed.json()) == ERROR_KEYS
    # Keeping one's own name is not a duplicate.
    assert api.put(f"/schedule_executions/{first['id']}", json=schedule_body()).status_code == 202


@pytest.mark.parametrize(
    ("zone_name", "expected_offset"),
    [
        ("Mars/Olympus_Mons", timedelta(0)),
        ("Nowhere", timedelta(0)),
        ("IST", timedelta(hours=5, minutes=30)),
        ("JST", timedelta(hours=9)),
        ("EST", timedelta(hours=-5)),  # fixed: no daylight saving in July
        ("PST", timedelta(hours=-7)),  # America/Los_Angeles, daylight saving in July
        ("America/New_York", timedelta(hours=-4)),
        ("GMT+02:00", timedelta(hours=2)),
    ],
)
def test_timezones_resolve_like_java_and_unknown_ones_silently_become_gmt(
    api: httpx.Client, zone_name: str, expected_offset: timedelta
) -> None:
    body = schedule_body(nextInterval="2030-07-01T12:00:00.000", timezone=zone_name)
    created = api.post("/schedule_executions", json=body)
    assert created.status_code == 201
    local = datetime(2030, 7, 1, 12, 0, tzinfo=timezone(expected_offset))
    assert created.json()["nextInterval"] == ms(local)


def test_list_filters_by_exact_name(api: httpx.Client) -> None:
    for name in ("nightly", "nightly-2", "Nightly"):
        api.post("/schedule_executions", json=schedule_body(name=name))
    query = {"query": "name:nightly", "page": 0, "size": 50, "sort": "id,asc"}
    page = api.get("/schedule_executions", params=query)
    assert page.status_code == 200
    # The collation ignores case: "Nightly" matches too; "nightly-2" does not.
    assert [s["name"] for s in page.json()["content"]] == ["nightly", "Nightly"]
    assert page.json()["totalElements"] == 2
    none = api.get("/schedule_executions", params={"query": "name:absent"}).json()
    assert none["content"] == [] and none["totalElements"] == 0


def test_list_without_query_pages_through_everything(api: httpx.Client, sandbox: Sandbox) -> None:
    for index in range(7):
        api.post("/schedule_executions", json=schedule_body(name=f"s{index}"))
    by_id = {"sort": "id,asc", "size": 5}
    first = api.get("/schedule_executions", params={"page": 0, **by_id}).json()
    second = api.get("/schedule_executions", params={"page": 1, **by_id}).json()
    assert (first["totalElements"], first["totalPages"], first["size"]) == (7, 2, 5)
    assert (first["number"], first["last"], second["number"], second["last"]) == (0, False, 1, True)
    names = [s["name"] for s in first["content"] + second["content"]]
    assert names == [f"s{i}" for i in range(7)]
    sandbox.configure(page_size_max=3)
    clamped = api.get("/schedule_executions", params={"size": 50}).json()
    assert clamped["size"] == 3 and len(clamped["content"]) == 3


def test_reads_and_list_can_be_switched_off(api: httpx.Client, sandbox: Sandbox) -> None:
    created = api.post("/schedule_executions", json=schedule_body()).json()
    sandbox.configure(reads=False, list_by_name=False)
    assert api.get(f"/schedule_executions/{created['id']}").status_code == 405
    assert api.get("/schedule_executions", params={"query": "name:x"}).status_code == 405
    # Writes still work without reads.
    assert api.put(f"/schedule_executions/{created['id']}", json=schedule_body()).status_code == 202
    sandbox.configure(reads=True, list_by_name=True)
    assert api.get(f"/schedule_executions/{created['id']}").status_code == 200


def test_test_plans_are_a_spring_page_with_two_smoke_plans(api: httpx.Client) -> None:
    first = api.get("/test_plans", params={"page": 0, "size": 5}).json()
    second = api.get("/test_plans", params={"page": 1, "size": 5}).json()
    assert first["totalPages"] == 2 and first["totalElements"] >= 6
    plans = first["content"] + second["content"]
    assert {"id": 3857, "name": "Checkout regression", "applicationVersionId": 11} in plans
    assert [p["name"] for p in plans].count("Smoke") == 2
    filtered = api.get("/test_plans", params={"query": "applicationVersionId:12"}).json()
    assert filtered["content"] and all(p["applicationVersionId"] == 12 for p in filtered["content"])


def test_saved_configs_are_a_plain_array_with_a_string_encoded_query(api: httpx.Client) -> None:
    configs = api.get("/saved_execution_configs").json()
    assert isinstance(configs, list)
    by_name = {c["name"]: c for c in configs}
    assert {"fav_config_name", "smoke only"} <= set(by_name)
    fav = by_name["fav_config_name"]
    assert json.loads(fav["query"]) == [
        {"key": "suiteId", "value": [132, 130], "operation": "NOT_IN"}
    ]
    assert fav["executionConfigType"] == "SAVED_CONFIG"
    assert fav["executionConfigCondition"] == "EXCLUDED"
    assert by_name["smoke only"]["executionConfigCondition"] == "INCLUDED"


def test_unknown_endpoints_and_methods_answer_404_and_405(api: httpx.Client) -> None:
    assert api.get("/nope").status_code == 404
    assert api.patch("/schedule_executions/1001", json={}).status_code == 405
    assert api.post("/test_plans", json={}).status_code == 405


def test_malformed_json_is_a_400(api: httpx.Client) -> None:
    response = api.post(
        "/schedule_executions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json()) == ERROR_KEYS


def test_zone_offset_matches_zoneinfo_for_iana_names(api: httpx.Client) -> None:
    body = schedule_body(nextInterval="2030-12-24T08:15:00.250", timezone="Europe/Berlin")
    created = api.post("/schedule_executions", json=body).json()
    expected = datetime(2030, 12, 24, 8, 15, 0, 250000, tzinfo=ZoneInfo("Europe/Berlin"))
    assert created["nextInterval"] == ms(expected)
