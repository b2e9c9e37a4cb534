"""Fixtures for the state stores: a real SQLite file and a real PostgreSQL (tests/pg_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_server import (  # noqa: F401  (re-exported for tests)
    database_of_its_own,
    unique_workspace,
    with_query,
)

from reconciler.state import StateStore, open_store


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """A database of its own (for tests that change the database-wide schema version)."""
    with database_of_its_own(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty state of its own: an SQLite file or a PostgreSQL workspace."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/state.db"
    return unique_workspace(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[StateStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def other_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second independent state on the same backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/other.db"
    return unique_workspace(request.getfixturevalue("postgres_url"))
