"""Apply results: the summary line and the `apply --format json` document."""

from __future__ import annotations

import json

from plan_samples import CONFLICT, FULL, NOW, QUIET

from reconciler.render.json_doc import plan_document
from reconciler.render.results import ResultRow, apply_summary, results_document
from reconciler.render.words import reason

ROWS = [
    ResultRow("ok", "create", "checkout-nightly", 1042, "created as 1042"),
    ResultRow("ok", "update", "login-weekly", 42, "updated"),
    ResultRow("failed", "delete", "old-smoke", 7, "HTTP 500"),
    ResultRow("unknown", "create", "recreated", None, "no answer"),
    ResultRow("skipped", "create", "later", None, "not started"),
]


def test_the_summary_counts_each_outcome_and_names_the_serial() -> None:
    assert apply_summary(ROWS, serial=12) == (
        "Apply: 2 succeeded, 1 failed, 1 unknown, 1 not started. State serial 12."
    )


def test_an_apply_with_nothing_to_do_says_zero_of_everything() -> None:
    assert apply_summary([], serial=3) == (
        "Apply: 0 succeeded, 0 failed, 0 unknown, 0 not started. State serial 3."
    )


def test_the_json_document_carries_the_plan_each_result_the_totals_and_the_serial() -> None:
    text = results_document(FULL, ROWS, interrupted=True, serial=12, now=NOW)
    doc = json.loads(text)
    assert text == json.dumps(doc, indent=2, ensure_ascii=False)
    assert doc["format_version"] == "1"
    assert doc["plan"] == json.loads(json.dumps(plan_document(FULL, now=NOW)))
    assert doc["results"][0] == {
        "action": "create",
        "name": "checkout-nightly",
        "id": 1042,
        "outcome": "ok",
        "message": "created as 1042",
    }
    assert [r["outcome"] for r in doc["results"]] == ["ok", "ok", "failed", "unknown", "skipped"]
    assert doc["summary"] == {"ok": 2, "failed": 1, "unknown": 1, "skipped": 1}
    assert doc["conflicts"] == [{"name": "taken", "reason": reason(CONFLICT)}]
    assert doc["interrupted"] is True
    assert doc["serial"] == 12


def test_a_plan_that_was_not_applied_has_no_results_and_zero_totals() -> None:
    doc = json.loads(results_document(QUIET, [], interrupted=False, serial=4, now=NOW))
    assert doc["results"] == []
    assert doc["summary"] == {"ok": 0, "failed": 0, "unknown": 0, "skipped": 0}
    assert doc["conflicts"] == []
    assert doc["interrupted"] is False
    assert doc["serial"] == 4
