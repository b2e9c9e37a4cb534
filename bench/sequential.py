"""The apply baseline: a plain sequential httpx client sending the same POSTs.

No retries, no state, no threads: one `httpx.Client` (keep-alive) posting each
body in turn and checking for a 2xx. This is what a hand-written script would
do; the reconciler must beat it by at least 4x at `--parallelism 10`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx


def post_all(url: str, api_key: str, bodies: Sequence[dict[str, Any]]) -> float:
    """POST every body to `{url}/schedule_executions` one after another; the seconds taken."""
    started = time.perf_counter()
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
    ) as client:
        for body in bodies:
            response = client.post("/schedule_executions", json=body)
            response.raise_for_status()
    return time.perf_counter() - started
