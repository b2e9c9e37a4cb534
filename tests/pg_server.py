"""A real PostgreSQL for the tests: the `postgres_url` and `pg_workspace_url` fixtures.

PostgreSQL comes from RECONCILER_TEST_POSTGRES (a URL) when set; otherwise
a throwaway server is started here (initdb/pg_ctl as the postgres user when
running as root). Without either the PostgreSQL tests are skipped, except
when CI is set: then they fail, so CI can never silently skip them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

UNAVAILABLE = "PostgreSQL not available: set RECONCILER_TEST_POSTGRES or install postgresql"


def _unavailable(detail: str) -> None:
    message = f"{UNAVAILABLE} ({detail})"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _pg_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _can_connect(url: str) -> str | None:
    """None when `url` accepts a connection, else why not."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5):
            return None
    except psycopg.Error as exc:
        return str(exc).strip()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A URL of a PostgreSQL database the tests may create workspaces and databases in."""
    from_env = os.environ.get("RECONCILER_TEST_POSTGRES")
    if from_env:
        problem = _can_connect(from_env)
        if problem:
            _unavailable(f"RECONCILER_TEST_POSTGRES does not connect: {problem}")
        yield from_env
        return
    initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if not initdb or not pg_ctl:
        _unavailable("no initdb/pg_ctl on PATH or under /usr/lib/postgresql")
    assert initdb and pg_ctl
    prefix: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no postgres user to run the server")
        runuser = shutil.which("runuser")
        prefix = [runuser, "-u", "postgres", "--"] if runuser else []
        if not prefix:
            _unavailable("running as root and runuser is missing")
    base = Path(tempfile.mkdtemp(prefix="reconciler-pg-"))
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, port = base / "data", _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
    try:
        for command in (
            [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
            [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o", options, "start"],
        ):
            subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(f"could not start a throwaway server: {exc.stderr or exc.stdout}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


def with_query(url: str, **params: str) -> str:
    """`url` with query parameters added."""
    parts = urlsplit(url)
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def unique_workspace(postgres_url: str) -> str:
    return with_query(postgres_url, workspace=f"t-{uuid.uuid4().hex[:12]}")


@contextlib.contextmanager
def database_of_its_own(postgres_url: str) -> Iterator[str]:
    """A new, empty database on the test server (dropped afterwards); yields its URL."""
    import psycopg

    name = f"reconciler_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(postgres_url)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_workspace_url(postgres_url: str) -> Iterator[str]:
    """A URL of a new PostgreSQL workspace in a database of its own.

    A database of its own, because the reconciler refuses a name that another
    workspace of the same database records, and tests reuse names.
    """
    with database_of_its_own(postgres_url) as url:
        yield unique_workspace(url)
