"""export_account (shell): read, render and write the account's schedules in one use case."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconciler.app.export import export_account
from reconciler.core.errors import ReconcilerError
from reconciler.core.payload import JsonValue

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
BASE = {"executionId": 1, "scheduleType": "DAILY", "nextInterval": 1_804_000_000_000}


class _Account:
    """Two test plans, a schedule in each (unit test: no HTTP)."""

    def __init__(self) -> None:
        self.schedules: list[dict[str, JsonValue]] = [
            {**BASE, "id": 1, "name": "checkout-nightly"},
            {**BASE, "id": 2, "name": "login-weekly", "executionId": 2},
        ]

    def list_schedules(self) -> list[dict[str, JsonValue]]:
        return self.schedules

    def list_test_plans(self) -> list[dict[str, JsonValue]]:
        return [{"id": 1, "name": "Checkout"}, {"id": 2, "name": "Login"}]


def test_a_directory_gets_one_file_per_test_plan_and_the_result_names_them(
    tmp_path: Path,
) -> None:
    result = export_account(
        _Account(), out=str(tmp_path), match=None, source="http://x", now=lambda: NOW
    )
    assert result.stdout is None
    assert sorted(Path(p).name for p in result.written) == ["checkout.yaml", "login.yaml"]
    for path, text in result.documents:
        assert Path(path).read_text(encoding="utf-8") == text
    assert "checkout-nightly" in (tmp_path / "checkout.yaml").read_text(encoding="utf-8")
    assert result.summary.startswith("Exported 2 schedule(s) in 2 document(s);")


def test_dash_writes_nothing_and_hands_back_one_stream(tmp_path: Path) -> None:
    result = export_account(
        _Account(), out="-", match="login-*", source="http://x", now=lambda: NOW
    )
    assert result.written == ()
    assert result.stdout is not None
    assert "login-weekly" in result.stdout and "checkout-nightly" not in result.stdout
    assert result.summary.startswith("Exported 1 schedule(s) in 1 document(s);")
    assert list(tmp_path.iterdir()) == []


def test_nothing_matched_means_no_documents_and_no_files(tmp_path: Path) -> None:
    result = export_account(
        _Account(), out=str(tmp_path), match="nope-*", source="http://x", now=lambda: NOW
    )
    assert result.documents == () and result.written == () and result.stdout is None
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_stops_the_export_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "login.yaml").write_text("mine\n", encoding="utf-8")
    with pytest.raises(ReconcilerError, match=r"login\.yaml"):
        export_account(
            _Account(), out=str(tmp_path), match=None, source="http://x", now=lambda: NOW
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["login.yaml"]
    assert (tmp_path / "login.yaml").read_text(encoding="utf-8") == "mine\n"
