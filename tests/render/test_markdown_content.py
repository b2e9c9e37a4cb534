"""The markdown plan (a pull-request comment): the text plan's content, and nothing injectable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from reconciler.core.errors import Location, Problem
from reconciler.core.model import Action, ActionKind, Cause, Conflict, FieldChange, Plan
from reconciler.render.markdown import render_plan as markdown
from reconciler.render.text import render_plan as text

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)

HOSTILE = [
    "tick`s",
    "``double``",
    "`leading and trailing`",
    "<img src=x onerror=alert(1)>",
    "<!-- hide the rest",
    "</td></tr></table><script>alert(1)</script>",
    "[click](https://evil.example)",
    "**bold** _em_ ~~gone~~ | pipe",
    "@octocat ping",
    "back\\slash` `x",
]


def payload(name: str, **over: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "timezone": "Asia/Kolkata",
        "status": "ACTIVE",
    }
    body.update(over)
    return body


def html(source: str) -> Any:
    """The comment as GitHub renders it: CommonMark with tables and raw HTML on."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def rendered(source: str) -> str:
    return str(html(source).render(source))


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_is_shown_literally_and_injects_nothing(name: str) -> None:
    plan = Plan(
        actions=(
            Action(
                ActionKind.CREATE, name, None, None, payload(name, comments=name), Cause.DECLARED
            ),
            Action(
                ActionKind.CONFLICT,
                name + "2",
                None,
                None,
                payload(name + "2"),
                Cause.LOOKUP_FAILED,
                conflict=Conflict(Cause.LOOKUP_FAILED, detail=name),  # the server's words
            ),
        ),
        warnings=(Problem(Location(f"{name}.yaml", 1, 1), name, "warning"),),
    )
    out = rendered(markdown(plan, now=NOW))
    for tag in ("<img", "<script", "<a ", "<em>", "<s>", "<!--", "</table><script"):
        assert tag not in out, (tag, out)
    assert out.count("<strong>") == 1  # the summary line only
    assert out.count("<tr>") == 3  # the header and two rows: no cell broke out of its row
    assert out.count("<table>") == 1
    from html import escape

    # The name appears verbatim (HTML-escaped by the renderer) in its code span.
    assert f"<code>{escape(name, quote=False)}</code>" in out


def test_a_create_shows_every_field_as_the_text_plan_does() -> None:
    after = payload("paused", status="IN_ACTIVE", comments="team checkout")
    after["executionConfig"] = {"name": "smoke only"}
    plan = Plan(
        actions=(Action(ActionKind.CREATE, "paused", None, None, after, Cause.DECLARED),),
        test_plan_names={3857: "Checkout regression"},
    )
    md = markdown(plan, now=NOW)
    for shown in ("3857 (Checkout regression)", '"IN_ACTIVE"', '"team checkout"', "smoke only"):
        assert shown in md, shown
        assert shown in text(plan, now=NOW), shown


def test_an_update_of_the_test_plan_names_both() -> None:
    plan = Plan(
        actions=(
            Action(
                ActionKind.UPDATE,
                "a",
                1,
                payload("a"),
                payload("a", executionId=3860),
                Cause.CHANGED,
                changes=(FieldChange("executionId", 3857, 3860),),
            ),
        ),
        test_plan_names={3857: "Checkout regression", 3860: "Payments API"},
    )
    for out in (markdown(plan, now=NOW), text(plan, now=NOW)):
        assert "3857 (Checkout regression)" in out and "3860 (Payments API)" in out


def test_an_offline_plan_says_so_at_the_top_in_every_format() -> None:
    plan = Plan(
        actions=(Action(ActionKind.CREATE, "a", None, None, payload("a"), Cause.DECLARED),),
        unchecked=frozenset({"live", "names", "account"}),
        offline=True,
    )
    md = markdown(plan, now=NOW).splitlines()
    assert md[2].startswith("> :information_source: **Offline plan") and "duplicates" in md[2]
    assert "test plans and favourites" in md[2]
    first = text(plan, now=NOW).splitlines()[0]
    assert first.startswith("Offline plan: made without an API key")
    full = Plan(actions=plan.actions)
    assert "Offline" not in markdown(full, now=NOW) + text(full, now=NOW)
