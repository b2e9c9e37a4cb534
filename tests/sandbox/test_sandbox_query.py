"""The query parser's Java emulation, unit by unit: URLDecoder and the character classes."""

from __future__ import annotations

import pytest

from reconciler.sandbox import ApiError
from reconciler.sandbox.query import fold, java_url_decode, parse_query


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("a+b", "a b"),
        ("a%2Bb", "a+b"),
        ("%C3%A9t%C3%A9", "été"),
        ("%41%42", "AB"),
        ("%+1", "\x01"),  # Integer.parseInt takes a sign
        ("%FF", "\ufffd"),  # not UTF-8: a replacement character
    ],
)
def test_java_url_decode(raw: str, decoded: str) -> None:
    assert java_url_decode(raw) == decoded


@pytest.mark.parametrize("raw", ["50%off", "%-1", "trailing%4", "trailing%"])
def test_java_url_decode_throws_on_bad_escapes(raw: str) -> None:
    with pytest.raises(ValueError):
        java_url_decode(raw)


@pytest.mark.parametrize(
    ("query", "criteria"),
    [
        ("name:Ünïcödé", [("name", ":", "Ünïcödé")]),  # \p{L} takes any letter
        ("name:नमस्ते", []),  # vowel signs and virama are marks, not letters
        ("name:tab\there", [("name", ":", "tab\there")]),  # \s is ASCII whitespace
        ("name:nbsp\u00a0x", []),  # ...so a no-break space is not in it
        ("name:a(b)$c^d", [("name", ":", "a(b)$c^d")]),
        ("name:x,executionId:3857", [("name", ":", "x"), ("executionId", ":", "3857")]),
        ("name>m", [("name", ">", "m")]),
        ("ün:x", [("n", ":", "x")]),  # \w is ASCII: the key starts after the ü
        ("nï:x", []),  # ...and cannot end in a non-ASCII letter
    ],
)
def test_parse_query_with_javas_classes(query: str, criteria: list[tuple[str, str, str]]) -> None:
    assert [(c.key, c.op, c.value) for c in parse_query(query)] == criteria


def test_a_bad_escape_in_a_value_is_a_500() -> None:
    with pytest.raises(ApiError) as error:
        parse_query("name:50%off")
    assert error.value.status == 500


def test_the_collation_ignores_case_and_accents() -> None:
    assert fold("Été NIGHTLY") == fold("ete nightly")
