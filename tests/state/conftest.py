"""Fixtures for the state stores: a real SQLite file and a real PostgreSQL (tests/pg_server.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from pg_server import unique_workspace, with_query  # noqa: F401  (re-exported for tests)

from reconciler.state import StateStore, open_store


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """A database of its own (for tests that change the database-wide schema version)."""
    import psycopg

    name = f"reconciler_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(postgres_url)
    yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
