"""Shared fixtures: a live sandbox on 127.0.0.1 and a CLI wired to it, fresh state per test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

from helpers import API_KEY, Cli
from pg_server import pg_workspace_url as pg_workspace_url  # shared fixture
from pg_server import postgres_url as postgres_url  # shared fixture

from reconciler.sandbox import Sandbox

# Property tests draw the same examples on every run, so a green main stays green on a
# fresh clone; `HYPOTHESIS_PROFILE=explore` draws new ones (and keeps what it finds in
# .hypothesis/) to search further. A counterexample found that way becomes an @example.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    server = Sandbox(api_key=API_KEY, port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "state.db"


@pytest.fixture
def cli(sandbox: Sandbox, tmp_path: Path, state_path: Path) -> Cli:
    return Cli(
        {
            "TESTSIGMA_API_URL": sandbox.url,
            "TESTSIGMA_API_KEY": API_KEY,
            "RECONCILER_STATE": f"sqlite:///{state_path}",
            "NO_COLOR": "1",
        },
        cwd=tmp_path,
    )


#: Whole modules that drive processes, sockets, browsers or JVMs end to end. They are
#: `slow`: the inner loop (`pytest -m "not slow"`) is the unit level; CI runs everything.
SLOW_MODULES = (
    "tests/integration/",
    "tests/test_ecosystem.py",
    "tests/testsigma/test_hostile.py",
    "tests/testsigma/test_tls.py",
    "tests/testsigma/test_deadline.py",
    "tests/timekeeping/test_java_oracle.py",
    "tests/state/test_locks.py",
    "tests/state/test_postgres.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        if where.startswith(SLOW_MODULES):
            item.add_marker(pytest.mark.slow)
