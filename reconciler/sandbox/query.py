"""List endpoints as the open-source server answers them: `query=`, `sort=`, paging.

The server splits `query` with one Java regex (its argument resolver), applied
to `query + ","`:

    (\\w+?)(:|!|>|;|<|~|@)(\\p{Punct}?)([a-zA-Z_0-9#\\.\\-\\&\\\\^\\(\\)\\%\\\\$\\s\\p{L}]+)(\\p{Punct}?),

Python's `re` has no `\\p{..}`, so the pattern is rebuilt with Java's meanings:
`\\w` and `\\s` ASCII only, `\\p{Punct}` the 32 ASCII punctuation characters,
`\\p{L}` every code point whose Unicode category is a letter (built once, on
first use). Java's `Matcher.find` and `re.finditer` agree for this pattern
(backtracking, leftmost, lazy key). The servlet container has already
URL-decoded the parameter once; the value is then decoded twice more (the
resolver, then the criteria's getter) with `URLDecoder` rules, and a bad
escape such as `50%off` is an exception: 500. Equality compares in a case-,
accent- and trailing-space-insensitive collation (MySQL `utf8_general_ci`);
`*` before or after the value makes it LIKE. An unknown attribute is a 500;
a query the regex does not match at all filters nothing.
"""

from __future__ import annotations

import functools
import math
import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.apierror import ApiError

SPRING_DEFAULT_SIZE = 20
_PUNCT = "[" + re.escape(string.punctuation) + "]"
_HEX = re.compile(r"^[+-]?[0-9A-Fa-f]+$")


@functools.cache
def _letter_class() -> str:
    """`\\p{L}` as explicit ranges of code points (built once per process)."""
    ranges: list[tuple[int, int]] = []
    start = -1
    for code in range(0x110000):
        letter = chr(code).isalpha()  # exactly the categories Lu Ll Lt Lm Lo
        if letter and start < 0:
            start = code
        elif not letter and start >= 0:
            ranges.append((start, code - 1))
            start = -1
    if start >= 0:
        ranges.append((start, 0x10FFFF))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


@functools.cache
def criteria_pattern() -> re.Pattern[str]:
    """The server's query regex with Java's character-class meanings."""
    value = r"[a-zA-Z_0-9#.\-&\\^()%$ \t\n\x0b\f\r" + _letter_class() + "]"
    return re.compile(rf"(\w+?)(:|!|>|;|<|~|@)({_PUNCT}?)({value}+)({_PUNCT}?),", re.ASCII)


def java_url_decode(text: str) -> str:
    """`java.net.URLDecoder.decode(text, UTF-8)`: `+` is a space; a bad escape raises."""
    out: list[str] = []
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char == "+":
            out.append(" ")
            index += 1
        elif char == "%":
            raw = bytearray()
            while index + 2 < size and text[index] == "%":
                pair = text[index + 1 : index + 3]
                if not _HEX.match(pair) or int(pair, 16) < 0:
                    raise ValueError(
                        "URLDecoder: Illegal hex characters in escape (%) pattern - "
                        f"Error at index 0 in: {pair!r}"
                    )
                raw.append(int(pair, 16))
                index += 3
            if index < size and text[index] == "%":
                raise ValueError("URLDecoder: Incomplete trailing escape (%) pattern")
            out.append(raw.decode("utf-8", "replace"))
        else:
            out.append(char)
            index += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One `key<op>value` the regex found; `mode` is eq, starts, ends or contains."""

    key: str
    op: str
    value: str
    mode: str


def parse_query(query: str) -> list[Criterion]:
    """The criteria the server would build from `query` (already decoded once)."""
    criteria = []
    for match in criteria_pattern().finditer(query + ","):
        key, op, prefix, raw, suffix = match.groups()
        try:
            value = java_url_decode(java_url_decode(raw))
        except ValueError as exc:
            raise ApiError(500, str(exc), code="INTERNAL_ERROR") from exc
        mode = "eq"
        if op == ":":
            if "*" in prefix and "*" in suffix:
                mode = "contains"
            elif "*" in suffix:
                mode = "starts"
            elif "*" in prefix:
                mode = "ends"
        # As measured: a leading punctuation mark other than `*` stays part of the value.
        if "*" not in prefix:
            value = prefix + value
        criteria.append(Criterion(key, op, value, mode))
    return criteria


def fold(text: str) -> str:
    """A `utf8_general_ci` comparison key: no case, no accents."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _like(pattern: str, text: str) -> bool:
    """SQL LIKE in the same collation: `%` any run, `_` any one character."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in fold(pattern))
    return re.fullmatch(regex, fold(text), re.DOTALL) is not None


def _compare(left: str, right: str) -> int:
    try:
        a, b = float(left), float(right)
    except ValueError:
        a_text, b_text = fold(left), fold(right)
        return (a_text > b_text) - (a_text < b_text)
    return (a > b) - (a < b)


def _matches(item: dict[str, Any], criterion: Criterion) -> bool:
    raw = item.get(criterion.key)
    if raw is None:
        return False
    text = str(raw).lower() if isinstance(raw, bool) else str(raw)
    value = criterion.value
    if criterion.op == ":":
        if criterion.mode == "eq":
            return fold(text).rstrip(" ") == fold(value).rstrip(" ")
        pattern = {"starts": f"{value}%", "ends": f"%{value}", "contains": f"%{value}%"}
        return _like(pattern[criterion.mode], text)
    if criterion.op == "!":
        return fold(text).rstrip(" ") != fold(value).rstrip(" ")
    if criterion.op == "~":
        return _like(f"%{value}%", text)
    if criterion.op == ">":
        return _compare(text, value) > 0
    if criterion.op == "<":
        return _compare(text, value) < 0
    raise ApiError(500, f"Unsupported search operation {criterion.op!r}", code="INTERNAL_ERROR")


def filter_items(
    items: list[dict[str, Any]], query: str | None, attributes: frozenset[str]
) -> list[dict[str, Any]]:
    """`items` that pass `query`; an attribute outside `attributes` is a 500."""
    if not query:
        return items
    criteria = parse_query(query)
    for criterion in criteria:
        if criterion.key not in attributes:
            raise ApiError(
                500,
                f"Unable to locate Attribute with the the given name [{criterion.key}] "
                "on this ManagedType",
                code="INTERNAL_ERROR",
            )
    return [i for i in items if all(_matches(i, c) for c in criteria)]


def _unsorted_key(item: dict[str, Any]) -> int:
    """A stable order that is not by id (the table has no ORDER BY)."""
    ident = int(item.get("id") or 0)
    return (ident * 0x9E3779B1 + 0x7F4A7C15) & 0xFFFFFFFF


def sort_items(
    items: list[dict[str, Any]],
    sort: str | None,
    attributes: frozenset[str],
    *,
    ordered: bool = False,
) -> list[dict[str, Any]]:
    """Spring's `sort=prop[,asc|desc]`; without it, an order that is not by id
    (or by id, when the sandbox was asked for `ordered_lists`)."""
    if not sort and ordered:
        sort = "id,asc"
    if not sort:
        return sorted(items, key=_unsorted_key)
    prop, _, direction = sort.partition(",")
    prop = prop.strip()
    if prop not in attributes:
        raise ApiError(
            500, f"No property '{prop}' found for type 'ScheduleTestPlan'", code="INTERNAL_ERROR"
        )
    descending = direction.strip().lower() == "desc"

    def key(item: dict[str, Any]) -> tuple[int, Any]:
        value = item.get(prop)
        if value is None:
            return (0, 0)
        if prop == "id" or isinstance(value, int | float):
            return (1, int(value) if prop == "id" else value)
        return (1, fold(str(value)))

    return sorted(items, key=key, reverse=descending)


def _int_query(query: dict[str, str], key: str, default: int) -> int:
    """Spring's lenient paging parameters: a bad value means the default."""
    raw = query.get(key)
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def spring_page(items: list[Any], query: dict[str, str], *, max_size: int) -> dict[str, Any]:
    """A Spring `Page` of `items` for the `page` (0-based) and `size` parameters."""
    page = max(0, _int_query(query, "page", 0))
    size = _int_query(query, "size", SPRING_DEFAULT_SIZE)
    size = min(size if size >= 1 else SPRING_DEFAULT_SIZE, max_size)
    content = items[page * size : (page + 1) * size]
    total_pages = math.ceil(len(items) / size)
    return {
        "content": content,
        "totalElements": len(items),
        "totalPages": total_pages,
        "number": page,
        "size": size,
        "numberOfElements": len(content),
        "first": page == 0,
        "last": page >= total_pages - 1,
        "empty": not content,
    }


def list_page(
    items: list[dict[str, Any]],
    query: dict[str, str],
    *,
    attributes: frozenset[str],
    max_size: int,
    ordered: bool = False,
) -> dict[str, Any]:
    """Filter, sort and page `items` as the server's list endpoints do."""
    chosen = filter_items(items, query.get("query"), attributes)
    in_order = sort_items(chosen, query.get("sort"), attributes, ordered=ordered)
    return spring_page(in_order, query, max_size=max_size)
