"""Helpers shared by the sandbox tests: the test key, request bodies, API wall times."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import httpx

from reconciler.sandbox import Sandbox

API_KEY = "test-key-123"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
#: One TLS context for every client: httpx builds one per client otherwise, which is
#: most of a client's start-up time (the sandbox is plain HTTP; nothing verifies).
NO_TLS = ssl.create_default_context()


def fast_client(base_url: str, **kwargs: Any) -> httpx.Client:
    """An httpx client that starts fast."""
    kwargs.setdefault("timeout", 10)
    return httpx.Client(base_url=base_url, verify=NO_TLS, **kwargs)


def wall(instant: datetime, zone: tzinfo) -> str:
    """`instant` as API wall time (`yyyy-MM-dd'T'HH:mm:ss.SSS`) in `zone`."""
    local = instant.astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def future(sandbox: Sandbox, **delta: float) -> str:
    """A UTC wall time `delta` after the sandbox clock, whole seconds."""
    instant = (sandbox.now() + timedelta(**delta)).replace(microsecond=0)
    return wall(instant, UTC)


def schedule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "checkout-nightly",
        "executionId": 3857,
        "executionConfig": {"name": "fav_config_name"},
        "scheduleType": "DAILY",
        "nextInterval": "2030-01-31T17:30:00.000",
        "timezone": "Asia/Kolkata",
        "status": "ACTIVE",
        "comments": "owned by team checkout",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def ms(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)
