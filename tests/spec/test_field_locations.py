"""Every declared schedule and run keeps where each of its keys is written (packed, read
as a mapping): own keys, keys inherited from `defaults`, and nothing else."""

from __future__ import annotations

import pytest

from reconciler.core.errors import Location
from reconciler.spec import load_desired
from reconciler.spec.positions import FieldLocations, Source

TEXT = """\
version: 1
defaults:
  timezone: Asia/Kolkata
  status: ACTIVE
schedules:
  - name: nightly
    executionId: 11
    scheduleType: DAILY
    nextInterval: "2031-01-01T02:00:00"
  - name: weekly
    executionId: 12
    scheduleType: WEEKLY
    timezone: UTC
    nextInterval: "2031-01-01T03:00:00"
runs:
  - name: smoke
    executionId: 13
"""


def at(line: int, column: int) -> Location:
    return Location("team.yaml", line, column)


def test_own_and_inherited_keys_point_where_they_are_written() -> None:
    desired = load_desired([Source("team.yaml", TEXT.encode())])
    nightly, weekly = desired.schedules
    assert dict(nightly.field_locations) == {
        "name": at(6, 5),
        "executionId": at(7, 5),
        "scheduleType": at(8, 5),
        "nextInterval": at(9, 5),
        "timezone": at(3, 3),  # from defaults
        "status": at(4, 3),
    }
    assert weekly.location_of("timezone") == at(13, 5)  # its own wins over the default
    assert weekly.location_of("comments") == weekly.location == at(10, 5)  # not written
    (run,) = desired.runs
    assert run.location_of("executionId") == at(17, 5)


def test_field_locations_behave_as_a_read_only_mapping() -> None:
    where = FieldLocations("f.yaml", ["a", "b"], [(1, 2), (3, 4)])
    assert list(where) == ["a", "b"] and len(where) == 2
    assert where["b"] == Location("f.yaml", 3, 4)
    assert where == {"a": Location("f.yaml", 1, 2), "b": Location("f.yaml", 3, 4)}
    assert "c" not in where and where.get("c") is None
    with pytest.raises(KeyError):
        where["c"]


def test_positions_beyond_32_bits_are_kept_exactly() -> None:
    huge = 2**40 + 7
    where = FieldLocations("f.yaml", ["a"], [(huge, 2**33)])
    assert where["a"] == Location("f.yaml", huge, 2**33)
