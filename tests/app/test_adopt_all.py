"""adopt_all over a real SQLite state: what it records, and what it refuses to guess."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.app.adopt import adopt_all
from reconciler.core.errors import Location
from reconciler.core.model import DesiredSchedule, DesiredSet, RecordedSchedule
from reconciler.state import open_store

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
INSTANT_MS = 1_803_886_200_000  # 2027-03-01T07:30:00Z


def declared(name: str, **over: Any) -> DesiredSchedule:
    payload = {
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2027-03-01T07:30:00.000",
        "timezone": "UTC",
        "status": "ACTIVE",
        **over,
    }
    return DesiredSchedule(name=name, payload=payload, location=Location("f.yaml", 1, 1))


class Listing:
    """A client that lists fixed schedules (names not unique, as on the open-source server)."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items

    def list_schedules(self) -> list[dict[str, Any]]:
        return self.items

    def list_test_plans(self) -> list[dict[str, Any]]:
        return [{"id": 3857, "name": "Checkout"}]


def item(ident: int, name: str) -> dict[str, Any]:
    return {
        "id": ident,
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": INSTANT_MS,
        "status": "ACTIVE",
    }


def test_one_match_is_recorded_several_are_listed_none_is_absent(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/state.db")
    try:
        store.record(RecordedSchedule("mine", 50, dict(declared("mine").payload), "x"))
        serial = store.serial
        desired = DesiredSet(
            schedules=(
                declared("one", executionConfig={"name": "fav"}),
                declared("two"),
                declared("gone"),
                declared("mine"),
                declared("taken"),
            )
        )
        client = Listing(
            [item(1, "one"), item(2, "two"), item(3, "two"), item(50, "taken"), item(50, "mine")]
        )
        report = adopt_all(desired, store, client=client, now=NOW)
        assert [(a.name, a.id, a.favourite) for a in report.adopted] == [("one", 1, "fav")]
        assert report.ambiguous == {"two": [2, 3]}
        assert report.absent == ["gone"]
        assert report.already == {"mine": 50}
        assert report.owned_elsewhere == {"taken": ["mine"]}
        recorded = store.read_all()
        assert recorded["one"].id == 1
        # The declaration is recorded where the server cannot contradict it.
        assert recorded["one"].payload == declared("one", executionConfig={"name": "fav"}).payload
        assert set(recorded) == {"one", "mine"}
        assert store.serial == serial + 1  # saved plans made before are stale
    finally:
        store.close()


def test_nothing_adopted_leaves_the_serial_alone(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/state.db")
    try:
        serial = store.serial
        report = adopt_all(
            DesiredSet(schedules=(declared("gone"),)), store, client=Listing([]), now=NOW
        )
        assert report.absent == ["gone"] and store.serial == serial
    finally:
        store.close()
