"""`open_store`: which backend and which file a URL names, and URLs shown without passwords."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.state import StateError, open_store
from reconciler.state.postgres_schema import parse_url

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
    parsed = parse_url(
        "postgresql://ci:s3cret@db.example:5433/states?sslmode=require&workspace=prod"
    )
    assert parsed.workspace == "prod" and parsed.password == "s3cret"
    assert "s3cret" not in parsed.conninfo and "workspace" not in parsed.conninfo
    assert parsed.display == "postgresql://ci@db.example:5433/states?sslmode=require&workspace=prod"
    parsed = parse_url("postgres://ci@h/db?password=s3cret")
    assert "s3cret" not in parsed.display + parsed.conninfo and parsed.workspace == "default"


def test_a_password_with_percent_question_mark_and_slash_is_taken_whole() -> None:
    parsed = parse_url("postgresql://u:SEC%RE?T/PW@db.example:5433/states")
    assert parsed.password == "SEC%RE?T/PW"
    assert parsed.display == "postgresql://u@db.example:5433/states?workspace=default"
    assert parse_url("postgresql://u:a%2Fb%3Fc%25@h/db").password == "a/b?c%"


def test_a_bad_workspace_name_is_refused() -> None:
    with pytest.raises(StateError, match="workspace 'a b;' is not valid"):
        parse_url("postgresql://u@h/db?workspace=a%20b%3B")


def test_url_and_flag_workspaces_must_agree(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="names workspace 'a' but --workspace"):
        open_store(f"sqlite:///{tmp_path}/s.db?workspace=a", workspace="b")
    with pytest.raises(StateError, match="unknown parameter 'mode'"):
        open_store(f"sqlite:///{tmp_path}/s.db?mode=ro")
    store = open_store(f"sqlite:///{tmp_path}/s.db?workspace=a", workspace="a")
    try:
        assert store.workspace == "a" and store.url.endswith("s.db?workspace=a")
    finally:
        store.close()


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
