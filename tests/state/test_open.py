"""`open_store`: which backend and which file a URL names, and URLs shown without passwords."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.state import StateError, open_store
from reconciler.state.postgres import parse_url

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "relative"),
    [
        (None, ".reconciler/state.db"),
        ("sqlite:///.reconciler/state.db", ".reconciler/state.db"),
        ("sqlite:///states/prod.db", "states/prod.db"),
        ("states/bare.db", "states/bare.db"),
    ],
)
def test_sqlite_urls_name_files_under_cwd(tmp_path: Path, url: str | None, relative: str) -> None:
    store = open_store(url, cwd=tmp_path)
    try:
        assert store.url == f"sqlite:///{tmp_path / relative}"
    finally:
        store.close()
    assert (tmp_path / relative).is_file()


def test_an_absolute_sqlite_url_ignores_cwd(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/abs.db", cwd=tmp_path / "elsewhere")
    store.close()
    assert (tmp_path / "abs.db").is_file()
    assert not (tmp_path / "elsewhere").exists()


def test_an_unknown_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="unsupported state URL scheme 'mysql'"):
        open_store("mysql://u@h/db", cwd=tmp_path)


def test_postgres_urls_never_show_a_password() -> None:
    conninfo, shown, workspace = parse_url(
        "postgresql://ci:s3cret@db.example:5433/states?sslmode=require&workspace=prod"
    )
    assert workspace == "prod"
    assert "s3cret" in conninfo and "workspace" not in conninfo
    assert shown == "postgresql://ci@db.example:5433/states?sslmode=require&workspace=prod"
    _, shown, workspace = parse_url("postgres://ci@h/db?password=s3cret")
    assert "s3cret" not in shown and workspace == "default"


def test_a_bad_workspace_name_is_refused() -> None:
    with pytest.raises(StateError, match="workspace 'a b;' is not valid"):
        parse_url("postgresql://u@h/db?workspace=a%20b%3B")


def test_opening_sqlite_does_not_import_psycopg(tmp_path: Path) -> None:
    code = (
        "import sys; from reconciler.state import open_store; "
        f"open_store(None, cwd=__import__('pathlib').Path({str(tmp_path)!r})).close(); "
        "print('psycopg' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"
