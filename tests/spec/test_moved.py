"""`moved:` entries: well-formed renames load; every mistake is reported with file:line:col."""

from __future__ import annotations

import textwrap

import pytest

from reconciler.core.errors import InputError
from reconciler.core.model import DesiredSet
from reconciler.spec import Source, load_desired

HEAD = """
version: 1
defaults: {timezone: UTC}
schedules:
  - {name: b, executionId: 1, scheduleType: DAILY, nextInterval: "2027-01-01T10:00:00"}
  - {name: c, executionId: 1, scheduleType: DAILY, nextInterval: "2027-01-01T10:00:00"}
"""


def load(*texts: str) -> DesiredSet:
    return load_desired(
        Source(f"f{i}.yaml", textwrap.dedent(t).lstrip().encode()) for i, t in enumerate(texts)
    )


def errors(*texts: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        load(*texts)
    return [str(p) for p in caught.value.problems]


def test_a_moved_entry_loads_from_any_file_even_one_with_only_moved() -> None:
    desired = load(HEAD, "moved:\n  - {from: a, to: b}\n")
    (move,) = desired.moved
    assert (move.source, move.target) == ("a", "b")
    assert str(move.location) == "f1.yaml:2:5"


def test_to_must_be_declared() -> None:
    assert errors(HEAD + "moved:\n  - {from: a, to: nope}\n") == [
        "f0.yaml:7:19: error: moved: `to: nope` names no declared schedule"
    ]


def test_from_must_no_longer_be_declared() -> None:
    (message,) = errors(HEAD + "moved:\n  - {from: b, to: c}\n")
    assert message.startswith("f0.yaml:7:5: error: moved: `b` is still declared (at f0.yaml:4:5)")


def test_duplicates_and_chains_are_errors() -> None:
    found = errors(
        HEAD + "moved:\n  - {from: a, to: b}\n  - {from: a, to: c}\n",
        "moved:\n  - {from: x, to: c}\n",
    )
    assert "f0.yaml:8:5: error: moved: `from: a` appears twice (also at f0.yaml:7:5)" in found
    assert "f1.yaml:2:5: error: moved: `to: c` appears twice (also at f0.yaml:8:5)" in found
    chain = errors(
        HEAD.replace("name: b", "name: z") + "moved:\n  - {from: a, to: b}\n  - {from: b, to: c}\n"
    )
    assert any("a chain (`a` -> `b` -> ...)" in m and m.startswith("f0.yaml:7:5") for m in chain)


def test_unknown_key_in_a_moved_entry_has_a_hint() -> None:
    assert errors(HEAD + "moved:\n  - {form: a, to: b}\n") == [
        "f0.yaml:7:6: error: unknown key `form` in a `moved` entry; did you mean `from`?"
    ]


def test_same_from_and_to_is_an_error() -> None:
    (message,) = errors(HEAD + "moved:\n  - {from: b, to: b}\n")
    assert "`from` and `to` are both `b`" in message


def test_every_entry_is_checked_after_one_naming_itself_and_each_says_how_to_fix() -> None:
    found = errors(
        HEAD.replace("name: b", "name: z")
        + "moved:\n  - {from: c, to: c}\n  - {from: c, to: z}\n  - {from: a, to: b}\n"
        "  - {from: b, to: z}\n"
    )
    assert found == [
        "f0.yaml:7:5: error: moved: `from` and `to` are both `c`",
        "f0.yaml:8:5: error: moved: `c` is still declared (at f0.yaml:5:5); "
        "a renamed schedule is declared only under its new name",
        "f0.yaml:9:19: error: moved: `to: b` names no declared schedule",
        "f0.yaml:10:5: error: moved: `to: z` appears twice (also at f0.yaml:8:5)",
        "f0.yaml:9:5: error: moved: a chain (`a` -> `b` -> ...): "
        "write one entry from the name recorded now to the final name",
    ]


def test_moves_come_out_in_the_order_of_their_new_names() -> None:
    desired = load(HEAD, "moved:\n  - {from: a, to: c}\n  - {from: x, to: b}\n")
    assert [(m.source, m.target) for m in desired.moved] == [("x", "b"), ("a", "c")]
