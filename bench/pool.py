"""The apply's network floor: a plain pool of N urllib workers sending the same POSTs.

No state, no retries, no journal: what the network and the sandbox allow at that
concurrency. The apply is compared with it and with the ideal count x latency / N.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def post_in_pool(url: str, api_key: str, bodies: Sequence[dict[str, Any]], workers: int) -> float:
    """POST every body with `workers` threads; the seconds taken."""

    def post(body: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{url}/schedule_executions",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(post, bodies))
    return time.perf_counter() - started
