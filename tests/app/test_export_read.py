"""read_export (shell): raw answers translated by the adapter; untrusted items reported."""

from __future__ import annotations

from typing import Any

from reconciler.app.export import read_export

PLANS = [{"id": 1, "name": "Checkout"}]


class _Listing:
    """A server answering one untrustworthy item among good ones (unit test: no HTTP)."""

    def list_schedules(self) -> list[dict[str, Any]]:
        good = {"id": 1, "name": "ok", "executionId": 1, "scheduleType": "DAILY"}
        return [{**good, "nextInterval": 1_804_000_000_000}, {"id": True, "name": "bad"}]

    def list_test_plans(self) -> list[dict[str, Any]]:
        return PLANS


def test_an_item_the_adapter_cannot_trust_is_reported_by_read_export() -> None:
    export = read_export(_Listing())
    assert [s.id for s in export.schedules] == [1]
    (problem,) = export.unreadable
    assert "not a valid schedule id" in problem
