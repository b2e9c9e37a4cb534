"""What every renderer shares: the summary line, values as they read, time in plain words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from plan_samples import FULL, NOW, QUIET, payload

from reconciler.render.common import next_instant, short, summary_line, timing


def test_the_summary_counts_each_kind_and_names_conflicts_only_when_there_are_some() -> None:
    assert summary_line(QUIET) == (
        "Plan: 0 to create, 0 to update, 0 to delete; 1 unchanged, 0 orphaned."
    )
    assert summary_line(FULL).endswith("1 orphaned, 1 in conflict (not applied).")


@pytest.mark.parametrize(
    "value", ["ACTIVE", "", 'say "hi" \\ ünïcode\n', 3857, -1, None, True, 1.5, {"b": 1, "a": [1]}]
)
def test_values_read_as_json_like_the_api_takes_them(value: object) -> None:
    assert short(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)


def test_timing_in_words_names_the_recurrence_the_zone_and_utc() -> None:
    words = timing(payload("a"), now=NOW)
    assert words is not None
    assert words.startswith("DAILY at 17:30 Asia/Kolkata (12:00 UTC)")


def test_the_next_instant_is_utc_and_rolls_a_past_anchor_forward() -> None:
    assert next_instant(payload("a"), now=NOW) == "2026-12-01T12:00:00Z"
    past = payload("a", nextInterval="2026-01-01T17:30:00.000")
    assert next_instant(past, now=NOW) == "2026-11-29T12:00:00Z"


def test_a_once_that_passed_has_no_next_instant() -> None:
    once = payload("a", scheduleType="ONCE", nextInterval="2026-01-01T17:30:00.000")
    assert next_instant(once, now=NOW) is None


@pytest.mark.parametrize("broken", [None, {}])
def test_no_payload_has_no_timing(broken: Any) -> None:
    assert timing(broken, now=NOW) is None
    assert next_instant(broken, now=NOW) is None
