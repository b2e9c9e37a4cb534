"""The measurements of issue 13: apply against the disk and the network, refresh, rate limits.

Each function generates its inputs into the output directory, runs the reconciler
in fresh processes against a sandbox subprocess, and returns plain JSON-able data
with its baseline measured in the same call. `slow_fsync` supplies the slow disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import slow_fsync
from generate import write_inputs
from harness import (
    API_KEY,
    SandboxProcess,
    Stats,
    calls_by_kind,
    fresh_state,
    reconciler,
    run_timed,
)
from measurements import plan_vs_parse
from pool import post_in_pool

LATENCY_MS = 50
COUNT = 300
PARALLELISM = 10


def _apply_once(
    out: Path, inputs: Path, *, latency_ms: float, extra: dict[str, str], parallelism: int
) -> tuple[float, list[dict[str, Any]]]:
    state = fresh_state(out / "apply13-state.db")
    with SandboxProcess(latency_ms=latency_ms) as sandbox:
        args = reconciler("apply", "--auto-approve", "--parallelism", str(parallelism), str(inputs))
        sample = run_timed(args, env={**sandbox.env(state), **extra})
        records = sandbox.requests()
    return sample.seconds, records


def apply_disk_and_network(
    out: Path, *, runs: int, fsync_ms: list[float | None], latencies: list[float]
) -> dict[str, Any]:
    """Apply of 300 creates at P=10: against fsync cost (at 50 ms) and against latency.

    `fsync_ms` None is the machine's own disk. Every point also records the measured
    cost of one raw SQLite commit under the same setting, and, at 50 ms, a pool of
    10 urllib workers sending the same bodies is the network floor.
    """
    inputs = out / f"apply{COUNT}"
    write_inputs(inputs, COUNT, prefix="apply")
    shim = slow_fsync.build(out)
    result: dict[str, Any] = {"shim": shim is not None, "count": COUNT, "parallelism": PARALLELISM}
    bodies: list[dict[str, Any]] = []
    by_fsync = []
    for floor in fsync_ms:
        extra = slow_fsync.env(shim, floor)
        if floor is not None and not extra:
            continue
        walls = []
        for _ in range(runs):
            seconds, records = _apply_once(
                out, inputs, latency_ms=LATENCY_MS, extra=extra, parallelism=PARALLELISM
            )
            walls.append(seconds)
            bodies = [r["body"] for r in records if r["method"] == "POST"]
        by_fsync.append(
            {
                "fsync_floor_ms": floor,
                "commit_ms": slow_fsync.commit_ms(out, extra),
                "wall": Stats.of(walls).to_json(),
                "calls": calls_by_kind(records),
            }
        )
    result["by_fsync"] = by_fsync
    by_latency = []
    for latency in latencies:
        walls = [
            _apply_once(out, inputs, latency_ms=latency, extra={}, parallelism=PARALLELISM)[0]
            for _ in range(runs)
        ]
        by_latency.append(
            {
                "latency_ms": latency,
                "wall": Stats.of(walls).to_json(),
                "ideal": COUNT * latency / 1000 / PARALLELISM,
            }
        )
    result["by_latency"] = by_latency
    pool = []
    for _ in range(runs):
        with SandboxProcess(latency_ms=LATENCY_MS) as sandbox:
            pool.append(post_in_pool(sandbox.url, API_KEY, bodies, PARALLELISM))
    result["pool"] = Stats.of(pool).to_json()
    result["ideal"] = COUNT * LATENCY_MS / 1000 / PARALLELISM
    return result


def refresh_modes(
    out: Path, *, runs: int, count: int = 1000, parallelism: int = 8
) -> dict[str, Any]:
    """A refreshing plan of `count` recorded schedules at 50 ms, with and without the list.

    The baseline is the offline plan (`--no-refresh`) of the same files and state,
    interleaved with the refreshing runs. "listed" is the default sandbox; "by_id"
    turns `list_by_name` off, so refresh confirms every schedule by `GET .../{id}`.
    """
    inputs = out / f"refresh{count}"
    write_inputs(inputs, count, prefix="refresh")
    state = fresh_state(out / "refresh13-state.db")
    result: dict[str, Any] = {"count": count, "parallelism": parallelism}
    with SandboxProcess() as sandbox:
        env = sandbox.env(state)
        run_timed(
            reconciler("apply", "--auto-approve", "--parallelism", "16", str(inputs)), env=env
        )
        sandbox.set_latency(LATENCY_MS)
        refreshing = reconciler("plan", "--parallelism", str(parallelism), str(inputs))
        offline = reconciler("plan", "--no-refresh", str(inputs))
        for mode, listed in (("listed", True), ("by_id", False)):
            sandbox.control("POST", "/config", {"list_by_name": listed})
            walls, bases = [], []
            calls: dict[str, int] = {}
            for _ in range(runs):
                bases.append(run_timed(offline, env=env).seconds)
                sandbox.clear_requests()
                walls.append(run_timed(refreshing, env=env).seconds)
                calls = calls_by_kind(sandbox.requests())
            wall, base = Stats.of(walls), Stats.of(bases)
            result[mode] = {
                "wall": wall.to_json(),
                "offline": base.to_json(),
                "extra": wall.median - base.median,
                "calls": calls,
            }
        sandbox.control("POST", "/config", {"list_by_name": True})
    ideal = count * LATENCY_MS / 1000 / parallelism
    result["by_id"]["ideal"] = ideal
    result["by_id"]["ratio"] = result["by_id"]["extra"] / ideal
    return result


def rate_limited_apply(out: Path, *, runs: int, rate: float = 8) -> dict[str, Any]:
    """Apply of 300 creates at P=10 against a sandbox limited to `rate` requests/second."""
    inputs = out / f"apply{COUNT}"
    write_inputs(inputs, COUNT, prefix="apply")
    walls, throttled = [], []
    calls: dict[str, int] = {}
    for _ in range(runs):
        state = fresh_state(out / "rate-state.db")
        with SandboxProcess() as sandbox:
            sandbox.control("POST", "/config", {"rate_limit": rate})
            args = reconciler(
                "apply", "--auto-approve", "--parallelism", str(PARALLELISM), str(inputs)
            )
            walls.append(run_timed(args, env=sandbox.env(state)).seconds)
            records = sandbox.requests()
        throttled.append(sum(1 for r in records if r["status"] == 429))
        calls = calls_by_kind(records)
    wall = Stats.of(walls)
    ideal = COUNT / rate
    return {
        "count": COUNT,
        "rate": rate,
        "wall": wall.to_json(),
        "ideal": ideal,
        "ratio": wall.median / ideal,
        "answers_429": max(throttled),
        "answers_429_each": throttled,
        "calls": calls,
    }


def plan_50000(out: Path, *, runs: int, count: int = 50_000) -> dict[str, Any]:
    """`plan --no-refresh` of 50,000 (100 per file) next to a bare C parse of the same files.

    The target is absolute (4 s, 150 MiB); the parse, interleaved with the plan, says how
    much of the time is this machine's speed and load at that moment.
    """
    return plan_vs_parse(out, runs=runs, count=count, files=count // 100, warm=False)
