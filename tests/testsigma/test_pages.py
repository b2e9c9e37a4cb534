"""Bounded pagination and the name lookup, with a mock transport (unit tests only)."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from reconciler.testsigma.client import TestsigmaClient, Timeouts
from reconciler.testsigma.errors import (
    ApiError,
    LookupIncomplete,
    NotOfferedError,
    ProtocolError,
)
from reconciler.testsigma.pages import PAGE_SIZE, query_is_safe
from reconciler.testsigma.retry import RetryPolicy


def page(items: list[dict[str, object]], **meta: object) -> httpx.Response:
    return httpx.Response(
        200, stream=httpx.ByteStream(json.dumps({"content": items, **meta}).encode())
    )


def client_for(handler: object, *, total: float = 30.0) -> TestsigmaClient:
    assert callable(handler)
    return TestsigmaClient(
        base_url="http://testsigma.invalid/api/v1",
        api_key="k" * 20,
        transport=httpx.MockTransport(handler),
        timeouts=Timeouts(total=total),
        retry=RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.01),
        rng=random.Random(1),
    )


class Listing:
    """A server holding `schedules`, paged by `size` like Spring; records each query."""

    def __init__(self, names: list[str], *, size_cap: int = 3, query_status: int = 200) -> None:
        self.items = [{"id": i + 1, "name": n} for i, n in enumerate(names)]
        self.size_cap = size_cap
        self.query_status = query_status
        self.seen: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.seen.append(params)
        items = self.items
        if "query" in params:
            if self.query_status != 200:
                return httpx.Response(self.query_status, json={"error": "query failed"})
            wanted = params["query"].removeprefix("name:").lower()
            items = [i for i in items if str(i["name"]).lower() == wanted]
        size = min(int(params["size"]), self.size_cap)
        number = int(params["page"])
        chunk = items[number * size : (number + 1) * size]
        total_pages = max(1, -(-len(items) // size))
        return page(
            chunk,
            number=number,
            totalPages=total_pages,
            totalElements=len(items),
            last=number + 1 >= total_pages,
        )


def test_lists_every_page_sorted_by_id_with_a_large_page() -> None:
    server = Listing([f"s{i}" for i in range(10)])
    assert [s["name"] for s in client_for(server).list_schedules()] == [f"s{i}" for i in range(10)]
    assert len(server.seen) == 4  # 3 per page (the server's cap), 10 items
    assert all(p["sort"] == "id,asc" and p["size"] == str(PAGE_SIZE) for p in server.seen)


def test_a_repeating_page_stops_with_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return page([{"id": 1, "name": "a"}], last=False)  # the same page, forever

    with pytest.raises(ProtocolError, match="repeats id 1"):
        client_for(handler).list_schedules()


def test_a_page_beyond_total_pages_stops_with_a_clear_error() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return page([{"id": calls["n"], "name": "a"}], totalPages=2, last=False)

    with pytest.raises(ProtocolError, match="totalPages"):
        client_for(handler).list_schedules()
    assert calls["n"] == 2


def test_more_items_than_total_elements_stops_with_a_clear_error() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        n = calls["n"]
        return page([{"id": n * 10 + k, "name": "a"} for k in range(3)], totalElements=4)

    with pytest.raises(ProtocolError, match="totalElements"):
        client_for(handler).list_schedules()


def test_endless_distinct_pages_end_at_the_deadline_or_the_page_bound() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return page([{"id": calls["n"], "name": "a"}], last=False)

    with pytest.raises(ApiError, match=r"deadline|never end"):
        client_for(handler, total=1.0).list_schedules()


@pytest.mark.parametrize(
    "value", [{"id": "1009", "name": "a"}, {"id": 2**63, "name": "a"}, {"name": "a"}]
)
def test_a_listed_item_with_a_hostile_id_is_a_protocol_error(value: dict[str, object]) -> None:
    with pytest.raises(ProtocolError, match="`id`"):
        client_for(lambda r: page([value], last=True)).list_schedules()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("nightly smoke", True),
        ("EU_nightly #2 (v1.2) - a&b ^ $5", True),
        ("nightly, EU", False),
        ("team:nightly", False),
        ("a+b smoke", False),
        ("50%off run", False),
        ("[prod] smoke", False),
        ("smoke!", False),
        ("'quoted'", False),
        ("smoke@eu", False),
        ("a/b", False),
        ("a=b", False),
        ("*nightly", False),
        ("café", False),
        ("नमस्ते", False),
        ("smoke 🚀", False),
        (" lead", False),
        ("trail ", False),
        ("tab\tname", False),
        ("back\\slash", False),
        ("", False),
    ],
)
def test_only_names_the_query_parser_keeps_intact_are_queried(name: str, safe: bool) -> None:
    assert query_is_safe(name) is safe


def test_a_safe_name_is_queried_and_refiltered_case_sensitively() -> None:
    server = Listing(["Nightly", "nightly", "other"])
    found = client_for(server).find_schedules_by_name("nightly")
    assert [s["id"] for s in found] == [2]
    assert all(p.get("query") == "name:nightly" for p in server.seen)


@pytest.mark.parametrize("name", ["nightly, EU", "team:nightly", "50%off run", "smoke!"])
def test_an_unsafe_name_is_found_by_scanning_the_whole_list(name: str) -> None:
    server = Listing(["a", name, "nightly", name.upper()])
    found = client_for(server).find_schedules_by_name(name)
    assert [s["name"] for s in found] == [name]
    assert all("query" not in p for p in server.seen)


def test_a_query_answered_with_an_error_falls_back_to_the_scan() -> None:
    server = Listing(["a", "nightly"], query_status=400)
    assert [s["id"] for s in client_for(server).find_schedules_by_name("nightly")] == [2]
    assert "query" not in server.seen[-1]


def test_a_lookup_that_cannot_complete_is_incomplete_never_absent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "query" in request.url.params:
            return httpx.Response(400, json={"error": "no"})
        return page([{"id": 1, "name": "a"}], last=False)  # repeats forever

    with pytest.raises(LookupIncomplete, match="unknown"):
        client_for(handler).find_schedules_by_name("nightly")


def test_a_server_without_listing_says_not_offered() -> None:
    with pytest.raises(NotOfferedError):
        client_for(lambda r: httpx.Response(405)).find_schedules_by_name("team:nightly")
