"""Fixtures of the use-case tests: a real SQLite state in the test's directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.core.ports import StateStore
from reconciler.state import open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    """A fresh SQLite state file, closed after the test."""
    opened = open_store(f"sqlite:///{tmp_path}/state.db")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def locked_store(store: StateStore) -> Iterator[StateStore]:
    """The same state, locked as an apply holds it."""
    with store.lock(operation="apply"):
        yield store
