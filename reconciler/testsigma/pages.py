"""Reading a Spring page list to its end, bounded, and deciding when a name query is safe.

`PageReader` asks for `sort=id,asc` (the server's list has no ORDER BY
otherwise, and pages could skip or repeat items) and the largest page the
server allows, all under one deadline. It stops with a `ProtocolError`
instead of reading forever when the server's pages cannot be trusted: a page
that repeats an id already read, a page that says it is not the last although
`totalPages` says it is, more items than `totalElements`, or more than
`MAX_PAGES` pages or `MAX_ITEMS` items in all.

`query_is_safe` says whether `query=name:X` reaches the server's filter
unchanged (see docs/API.md, "Finding a schedule by name").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.testsigma.deadline import Budget
from reconciler.testsigma.errors import ProtocolError

#: Spring's default maximum page size; a server with a lower cap answers smaller pages.
PAGE_SIZE = 2000
MAX_PAGES = 10_000
MAX_ITEMS = 100_000
#: The most page bytes (decompressed) read for one list, whatever the number of pages.
MAX_LIST_BYTES = 64 * 1024 * 1024

# Letters and digits (ASCII only), the space, and the punctuation the oss query
# regex keeps in a value and that neither URL decoding changes: _ # . - & ^ ( ) $
_SAFE_NAME = re.compile(r"[A-Za-z0-9 _#.\-&^()$]+")

#: Reads one page: (the page object, its size in bytes).
GetPage = Callable[[Mapping[str, str], Budget], tuple[dict[str, Any], int]]


def query_is_safe(name: str) -> bool:
    """Whether `query=name:<name>` filters on exactly `name` on the oss server.

    The value must also not start or end with a space (the parser keeps it, a
    proxy or the collation may not), and be non-empty.
    """
    return bool(_SAFE_NAME.fullmatch(name)) and name.strip() == name


def read_all(
    call: str,
    get_page: GetPage,
    params: Mapping[str, str],
    budget: Budget,
    *,
    item_id: Callable[[Mapping[str, Any], str], int],
) -> list[dict[str, Any]]:
    """Every item of every page (`get_page(params, budget)` reads one page)."""
    items: list[dict[str, Any]] = []
    seen: dict[int, int] = {}  # id -> page it was on
    page = 0
    size = 0
    while True:
        data, nbytes = get_page(
            {**params, "page": str(page), "size": str(PAGE_SIZE), "sort": "id,asc"}, budget
        )
        content = data.get("content")
        if not isinstance(content, list) or not all(isinstance(i, dict) for i in content):
            raise ProtocolError(call, f"page {page} has no `content` array of objects")
        for item in content:
            ident = item_id(item, call)
            if ident in seen:
                raise ProtocolError(
                    call,
                    f"page {page} repeats id {ident} of page {seen[ident]}: the list changed "
                    "while it was read, or the server ignores paging; the list is incomplete",
                )
            seen[ident] = page
        items.extend(content)
        size += nbytes
        total_pages = _count(data, "totalPages", call)
        total_items = _count(data, "totalElements", call)
        if total_items is not None and len(items) > total_items:
            raise ProtocolError(
                call,
                f"{len(items)} items read but the server counts {total_items} "
                "(`totalElements`): the list is inconsistent",
            )
        last = data.get("last")
        if last is True or not content:
            return items
        page += 1
        if total_pages is not None and page >= total_pages:
            if last is False:
                raise ProtocolError(
                    call,
                    f"page {page - 1} says it is not the last, but `totalPages` is "
                    f"{total_pages}: the list is inconsistent",
                )
            return items
        if page >= MAX_PAGES or len(items) >= MAX_ITEMS or size >= MAX_LIST_BYTES:
            raise ProtocolError(
                call,
                f"more than {MAX_PAGES:,} pages, {MAX_ITEMS:,} items or "
                f"{MAX_LIST_BYTES // (1024 * 1024)} MiB: giving up (the pages never end)",
            )


def _count(data: Mapping[str, Any], key: str, call: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError(call, f"`{key}` is not a count ({value!r:.40})")
    return value
