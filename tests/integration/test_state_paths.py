"""State URLs and paths: no password in any spelling, and clear words for odd paths.

The commands run as child processes (as a CI job does), so everything they
print (stdout, stderr, --verbose logs) is checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from pg_server import database_of_its_own

from reconciler.state import open_store

ROOT = Path(__file__).resolve().parents[2]
#: A password with `%` (a bad escape and a good one), `?` and `/`: every form must stay hidden.
PASSWORD = "Zq%RE?T/PW9%41x"


def reconciler(*args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    prefix = []
    if user is not None:
        prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "reconciler", *args],
        cwd=ROOT,
        env={**os.environ, "HOME": "/tmp", "NO_COLOR": "1", "RECONCILER_STATE": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )


def forms(secret: str) -> list[str]:
    decoded = secret.replace("%41", "A")
    return [
        secret,
        decoded,
        quote(secret, safe=""),
        quote_plus(secret),
        quote(decoded, safe=""),
        "Zq%25",
        "Zq",
        "PW9",
    ]


def assert_hidden(result: subprocess.CompletedProcess[str], *, verbose: bool) -> None:
    output = result.stdout + result.stderr
    for form in forms(PASSWORD):
        assert form not in output, f"{form!r} leaked:\n{output}"
    assert "Internal error" not in output, output
    assert verbose or "Traceback" not in output, output  # a traceback only with -v


def with_password(url: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{password}@{host}"


@pytest.mark.postgres
def test_a_postgres_password_with_percent_question_mark_and_slash_never_shows(
    postgres_url: str,
) -> None:
    with database_of_its_own(postgres_url) as database:
        raw = with_password(database, PASSWORD)
        encoded = with_password(database, quote(PASSWORD, safe=""))
        missing_db = raw.rsplit("/", 1)[0] + "/no_such_database_here"
        refused_port = with_password("postgresql://ci@127.0.0.1:1/db", PASSWORD)
        for url, verbose in (
            (raw, False),
            (encoded, False),
            (missing_db, True),
            (refused_port, True),
        ):
            args = ("-v", "state", "list") if verbose else ("state", "list")
            assert_hidden(reconciler(*args, "--state", url), verbose=verbose)
        ok = reconciler("state", "list", "--state", raw)  # the test server trusts any password
        assert ok.returncode == 0, ok.stderr
        failed = reconciler("state", "list", "--state", missing_db)
        assert failed.returncode == 1 and failed.stderr.startswith("Error: ")
        assert "no_such_database_here" in failed.stderr  # the message still says what failed


def test_a_sqlite_state_behind_a_symlink_to_dev_null_is_refused_clearly(tmp_path: Path) -> None:
    link = tmp_path / "state.db"
    link.symlink_to("/dev/null")
    result = reconciler("state", "list", "--state", f"sqlite:///{link}")
    assert result.returncode == 1
    assert "not a regular file" in result.stderr and "Internal error" not in result.stderr
    assert f"{link} (it points to /dev/null)" in result.stderr


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="reconciler-ro-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def other_user() -> int | None:
    """Who runs a command that must not write: nobody (as root, permissions bind no one)."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a directory read-only")
    return 65534


def test_a_read_only_state_directory_says_read_only(shared_dir: Path) -> None:
    path = shared_dir / "state.db"
    store = open_store(str(path))
    store.close()
    before = path.read_bytes()
    shared_dir.chmod(0o555)
    path.chmod(0o644)
    result = reconciler("state", "list", "--state", f"sqlite:///{path}", user=other_user())
    assert result.returncode == 1, result.stderr
    assert "read-only" in result.stderr, result.stderr
    assert "restore" not in result.stderr and "backup" not in result.stderr
    assert path.read_bytes() == before


def test_a_new_state_is_announced_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache' / 'state.db'}"
    first = reconciler("state", "list", "--state", url)
    assert first.returncode == 0, first.stderr
    assert "created a new, empty state at" in first.stderr
    second = reconciler("state", "list", "--state", url)
    assert second.returncode == 0 and "created a new" not in second.stderr
