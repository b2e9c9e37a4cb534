"""A large text plan is written in blocks of whole lines; read together they are exactly
the plan rendered at once, and a secret is redacted as well as in the whole text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from plan_samples import FULL, NOW, payload

from reconciler.app import settings
from reconciler.cli.plan_cmd import plan_text_blocks
from reconciler.core.model import Action, ActionKind, Cause, Plan
from reconciler.render.text import plan_blocks, render_plan


def many(count: int) -> Plan:
    creates = tuple(
        Action(
            ActionKind.CREATE,
            f"s{i:05d}",
            None,
            None,
            payload(f"s{i:05d}", comments="x" * i),
            cause=Cause.DECLARED,
        )
        for i in range(count)
    )
    return replace(FULL, actions=(*FULL.actions, *creates))


@pytest.mark.parametrize("size", [1, 200, 1 << 16])
@pytest.mark.parametrize("show_unchanged", [False, True])
def test_blocks_joined_are_the_whole_plan(size: int, show_unchanged: bool) -> None:
    plan = many(400)
    blocks = list(plan_blocks(plan, now=NOW, show_unchanged=show_unchanged, size=size))
    whole = render_plan(plan, now=NOW, show_unchanged=show_unchanged)
    assert "\n".join(blocks) == whole
    assert all(blocks)
    if size == 1:  # a block ends after each action shown, then the summary
        shown = [a for a in plan.actions if show_unchanged or a.kind is not ActionKind.NOOP]
        assert len(blocks) == len(shown) + 1


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    monkeypatch.setenv("RECONCILER_NOW", NOW.isoformat())  # one clock for both renderings
    saved = set(settings._SECRETS)
    yield settings._SECRETS
    settings._SECRETS.clear()
    settings._SECRETS.update(saved)


def printed(plan: Plan) -> str:
    """What `out` prints, block by block (each redacted on its own, then a newline)."""
    return "".join(settings.redact(block) + "\n" for block in plan_text_blocks(plan))


def test_a_secret_in_a_large_plan_is_redacted_in_every_block(secrets: set[str]) -> None:
    plan = many(600)
    token = "x" * 300  # in the comments of every schedule from the 300th on
    secrets.add(token)
    assert len(list(plan_text_blocks(plan))) > 1
    text = printed(plan)
    assert token not in text and text.count(settings.REDACTED) >= 300


def test_a_secret_spanning_lines_makes_the_plan_one_block(secrets: set[str]) -> None:
    plan = many(600)
    whole = render_plan(plan, now=settings.now())
    lines = whole.split("\n")
    at = next(i for i, line in enumerate(lines) if "s00500" in line)
    spanning = "\n".join(lines[at - 1 : at + 1])  # the end of one action, the next head
    secrets.add(spanning)
    assert list(plan_text_blocks(plan)) == [whole]
    assert spanning not in printed(plan)
