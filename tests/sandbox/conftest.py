"""Fixtures for the sandbox's own tests: a running sandbox and httpx clients on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sandbox_helpers import API_KEY, AUTH, fast_client

from reconciler.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(api_key=API_KEY, config=SandboxConfig(control=True)) as running:
        yield running


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with fast_client(sandbox.url, headers=AUTH) as http:
        yield http


@pytest.fixture
def control(sandbox: Sandbox) -> Iterator[httpx.Client]:
    root = sandbox.url.removesuffix("/api/v1") + "/_sandbox"
    with fast_client(root, headers=AUTH) as http:
        yield http
