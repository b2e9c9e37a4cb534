"""The YAML loader: scalar resolution, positions, anchors and merge keys, hostile input."""

from __future__ import annotations

import math
from typing import Any

import pytest

from reconciler.core.errors import Problem
from reconciler.spec.loader import ALIAS_BASE, ALIAS_FACTOR, MAX_DEPTH, MAX_SCALAR, load_document
from reconciler.spec.positions import Loaded, Source


def load(text: str | bytes) -> Loaded:
    data = text.encode("utf-8") if isinstance(text, str) else text
    loaded, problems = load_document(Source("f.yaml", data))
    assert problems == [], problems
    assert loaded is not None
    return loaded


def refused(text: str | bytes) -> Problem:
    data = text.encode("utf-8") if isinstance(text, str) else text
    loaded, problems = load_document(Source("f.yaml", data))
    assert len(problems) == 1, problems
    assert loaded is None
    return problems[0]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2026-12-01T17:30:00", "2026-12-01T17:30:00"),
        ("2026-12-01", "2026-12-01"),
        ("0x10", "0x10"),
        ("0o17", "0o17"),
        ("on", "on"),
        ("off", "off"),
        ("yes", "yes"),
        ("No", "No"),
        ("1_000", "1_000"),
        ("12:30", "12:30"),
        ("3857", 3857),
        ("-1", -1),
        ("1.5", 1.5),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ('"3857"', "3857"),
        ("'true'", "true"),
        ("!!str 12", "12"),
        ("!!int 12", 12),
    ],
)
def test_scalars_follow_yaml_1_2_and_never_convert_silently(written: str, value: Any) -> None:
    data = load(f"key: {written}\n").data
    assert data["key"] == value
    assert type(data["key"]) is type(value)


def test_mapping_keys_are_always_text() -> None:
    assert load("1: a\ntrue: b\n~: c\n").data == {"1": "a", "true": "b", "": "c"}
    assert list(load("false: a\n").data) == ["false"]


def test_positions_of_keys_values_and_items_are_one_based() -> None:
    loaded = load("schedules:\n  - name: a\n    executionId:   7\n  - {name: b}\n")
    positions, data = loaded.positions, loaded.data
    items = data["schedules"]
    assert positions.key(data, "schedules") == (1, 1)
    assert positions.item(items, 0) == (2, 5)
    assert positions.item(items, 1) == (4, 5)
    assert positions.key(items[0], "executionId") == (3, 5)
    assert positions.value(items[0], "executionId") == (3, 20)
    assert positions.value(items[1], "name") == (4, 12)


def test_anchors_aliases_and_merge_keys_work_with_explicit_keys_winning() -> None:
    data = load(
        "base: &b {a: 1, b: 2}\n"
        "other: &o {b: 20, c: 30}\n"
        "one:\n  c: 3\n  <<: *b\n"
        "two:\n  <<: [*o, *b]\n  a: 100\n"
        "same: *b\n"
    ).data
    assert data["one"] == {"a": 1, "b": 2, "c": 3}
    assert data["two"] == {"a": 100, "b": 20, "c": 30}
    assert data["same"] == {"a": 1, "b": 2}


def test_merged_keys_point_at_where_they_are_written() -> None:
    loaded = load("base: &b\n  a: 1\nuse:\n  <<: *b\n  z: 2\n")
    use = loaded.data["use"]
    assert loaded.positions.key(use, "a") == (2, 3)
    assert loaded.positions.key(use, "z") == (5, 3)
    assert loaded.positions.of(use) == (4, 3)


def test_duplicate_keys_are_reported_with_both_lines_and_the_first_value_kept() -> None:
    loaded, problems = load_document(Source("f.yaml", b"a: 1\nb: 2\na: 3\n"))
    assert [str(p) for p in problems] == [
        "f.yaml:3:1: error: duplicate key `a` (first at line 1, column 1)"
    ]
    assert loaded is not None and loaded.data == {"a": 1, "b": 2}


def test_a_key_given_by_a_merge_and_explicitly_is_not_a_duplicate() -> None:
    assert load("b: &b {a: 1}\nm:\n  <<: *b\n  a: 2\n").data["m"] == {"a": 2}


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "--- ~\n"])
def test_empty_documents_load_as_nothing(text: str) -> None:
    assert load(text).data is None


def test_billion_laughs_is_refused_without_expanding() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 30):
        previous, name = f"l{level - 1}" if level > 1 else "a", f"l{level}"
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    problem = refused("\n".join(lines) + "\n")
    assert "billion laughs" in problem.message
    assert problem.location.line is not None and problem.location.line < 10


def test_many_aliases_of_a_small_anchor_in_a_big_file_are_fine() -> None:
    items = "".join(f"  - <<: *base\n    name: s{i}\n" for i in range(3 * ALIAS_BASE))
    data = load("base: &base {timezone: UTC, scheduleType: DAILY, status: ACTIVE}\nlist:\n" + items)
    assert len(data.data["list"]) == 3 * ALIAS_BASE


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deep_nesting_is_refused_quickly(depth: int) -> None:
    problem = refused("[" * depth + "]" * depth)
    assert f"deeper than {MAX_DEPTH}" in problem.message
    assert (problem.location.line, problem.location.column) == (1, MAX_DEPTH + 1)


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert load("[" * MAX_DEPTH + "]" * MAX_DEPTH).data is not None


def test_a_very_long_value_is_refused() -> None:
    problem = refused("schedules:\n  - name: " + "x" * (MAX_SCALAR + 1) + "\n")
    assert str(problem.location) == "f.yaml:2:11"
    assert "characters long" in problem.message


@pytest.mark.parametrize(
    ("data", "where", "fragment"),
    [
        (b"a: 1\nb: caf\xe9\n", "f.yaml:2:7", "not valid UTF-8 (byte 0xe9 at offset 11)"),
        (b"a: 1\n\x00\x01\x02", "f.yaml:2:1", "binary file"),
        (b"a: \x07\n", "f.yaml:1:4", "U+0007"),
        (b"\na: \x07\n", "f.yaml:2:4", "U+0007"),  # counted from a first empty line too
        ("a: 1\n".encode("utf-16"), "f.yaml:1:1", "UTF-16"),
        (b"a:\n\tb: 1\n", "f.yaml:2:1", "tabs"),
        (b"a: [1\n", "f.yaml:2:1", "YAML syntax error"),
        (b"a: 1\n---\nb: 2\n", "f.yaml:2:1", "one document in each file"),
        (b"a: *nowhere\n", "f.yaml:1:4", "no anchor"),
        (b"a: &x [*x]\n", "f.yaml:1:8", "recursive alias"),
        (b"a: !Ref x\n", "f.yaml:1:4", "tags like !Ref"),
        (b"a: !!int x\n", "f.yaml:1:4", "not a valid !!int"),
        (b"{[1]: 2}\n", "f.yaml:1:2", "must be plain text"),
    ],
)
def test_hostile_input_is_one_located_problem(data: bytes, where: str, fragment: str) -> None:
    problem = refused(data)
    assert str(problem.location) == where
    assert fragment in problem.message


def test_the_pure_python_parser_fallback_gives_the_same_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reconciler.spec import loader

    text = b"a: &x\n  b: [1, '2']\n  t: 2030-01-01T00:00:00\nc:\n  <<: *x\n  d: on\n"
    expected = load(text).data
    monkeypatch.setattr(loader, "_Parser", loader._PureParser)
    assert load(text).data == expected
    assert "YAML syntax error" in refused(b"a: [1\n").message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"a: [1",  # no final newline: the error is past the last line
            "YAML syntax error: did not find expected ',' or ']' "
            "(while parsing a flow sequence at line 1)",
        ),
        (
            b"a:\n\tb: 1\nc: 2\nd: 3\n",  # a tab, with lines after it
            "YAML syntax error: a tab character here; indent YAML with spaces, not tabs "
            "(while scanning for the next token at line 2)",
        ),
        (
            b"a:\n  - b\n  c: d\n",
            "YAML syntax error: did not find expected '-' indicator "
            "(while parsing a block collection at line 2)",
        ),
        (
            b"key: value: other\n",
            "YAML syntax error: mapping values are not allowed in this context",
        ),
    ],
)
def test_syntax_errors_say_the_problem_and_where_its_context_began(
    data: bytes, message: str
) -> None:
    assert refused(data).message == message


@pytest.mark.parametrize(
    ("written", "value"),
    [(".inf", math.inf), ("+.Inf", math.inf), ("-.INF", -math.inf), (".inf0", ".inf0")],
)
def test_infinities_are_floats_and_look_alikes_stay_text(written: str, value: Any) -> None:
    assert load(f"key: {written}\n").data["key"] == value


def test_nan_is_a_float() -> None:
    assert math.isnan(load("key: .NaN\n").data["key"])


def test_a_value_of_exactly_the_longest_length_is_fine() -> None:
    assert len(load("key: " + "x" * MAX_SCALAR + "\n").data["key"]) == MAX_SCALAR


@pytest.mark.parametrize(
    ("text", "value"),
    [("a: !!map {b: 1}\n", {"b": 1}), ("a: !!seq [1]\n", [1]), ("a: ! [1]\n", [1])],
)
def test_the_standard_collection_tags_are_accepted(text: str, value: Any) -> None:
    assert load(text).data["a"] == value


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (b"a: !!seq {b: 1}\n", "1:4", "YAML tags like !!seq are not supported"),
        (b"a: !!map [1]\n", "1:4", "YAML tags like !!map are not supported"),
        (b"a: !Ref {b: 1}\n", "1:4", "YAML tags like !Ref are not supported"),
        (b"{[1]: 2}\n", "1:2", "a mapping key must be plain text, not a list or mapping"),
        (b"a: {<<: 1}\n", "1:9", "a merge key `<<` takes a mapping or a list of mappings"),
    ],
)
def test_wrong_tags_and_keys_are_refused_where_written(
    data: bytes, where: str, message: str
) -> None:
    problem = refused(data)
    assert (str(problem.location), problem.message) == (f"f.yaml:{where}", message)


@pytest.mark.parametrize(
    ("anchor", "size", "written"),
    [
        ("v", 1, 5),  # mapping, key x, v, key y, sequence
        ("[a, b]", 3, 7),  # mapping, key x, sequence, a, b, key y, sequence
    ],
)
def test_aliases_may_add_exactly_the_allowed_number_of_nodes(
    anchor: str, size: int, written: int
) -> None:
    allowed = ALIAS_BASE + ALIAS_FACTOR * written
    most = allowed // size

    def text(aliases: int) -> str:
        return f"x: &x {anchor}\ny: [" + ", ".join(["*x"] * aliases) + "]\n"

    assert len(load(text(most)).data["y"]) == most
    problem = refused(text(most + 1))
    assert problem.message.startswith("aliases expand to too many nodes (is this a 'billion")


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ("a: 1\n".encode("utf-16"), "1:1", "this file is UTF-16; save it as UTF-8"),
        (
            b"\xfe\xff" + "a: 1\n".encode("utf-16-be"),
            "1:1",
            "this file is UTF-16; save it as UTF-8",
        ),
        (
            b"\nb: caf\xe9\n",  # counted from a first empty line too
            "2:7",
            "not valid UTF-8 (byte 0xe9 at offset 7); save the file as UTF-8",
        ),
        (b"a: 1\n\x00\xff", "2:2", "this is a binary file, not YAML text"),
        (b"a: 1\n\x00", "2:1", "this is a binary file, not YAML text"),
        (
            b"a: 1\n---\nb: 2\n",
            "2:1",
            "a second YAML document (`---`); put one document in each file",
        ),
    ],
)
def test_unreadable_files_say_what_to_do(data: bytes, where: str, message: str) -> None:
    problem = refused(data)
    assert (str(problem.location), problem.message) == (f"f.yaml:{where}", message)
