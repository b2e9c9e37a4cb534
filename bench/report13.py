"""The issue-13 part of PERFORMANCE.md: every target row, and the apply-vs-disk/network plot.

Each row carries the figure, the baseline measured in the same run, the ratio (or
difference) and whether the target is met; `plot` draws apply time against the
measured cost of one commit and against latency, each next to its ideal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _s(stats: dict[str, Any], unit: str = "s", digits: int = 2) -> str:
    return (
        f"{stats['median']:.{digits}f} {unit} "
        f"({stats['min']:.{digits}f}–{stats['max']:.{digits}f}, n={stats['runs']})"
    )


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _fsync_point(disk: dict[str, Any], floor: float | None) -> dict[str, Any] | None:
    return next((p for p in disk["by_fsync"] if p["fsync_floor_ms"] == floor), None)


def _apply_rows(disk: dict[str, Any]) -> list[str]:
    rows = []
    ideal = disk["ideal"]
    pool = disk["pool"]
    for floor, label, limit in ((None, "this machine's disk", 1.2), (5, "fsync ≥ 5 ms", 1.25)):
        point = _fsync_point(disk, floor)
        if point is None:
            rows.append(f"| apply 300 creates @ 50 ms, P=10, {label} | (no C compiler) | | | |")
            continue
        ratio = point["wall"]["median"] / ideal
        rows.append(
            f"| apply 300 creates @ 50 ms, P=10, start-up included, {label} "
            f"(one raw commit: {point['commit_ms']:.1f} ms) | {_s(point['wall'])} "
            f"| ideal 300 × 50 ms / 10 = {ideal:.2f} s; 10 urllib workers: {_s(pool)} "
            f"| {ratio:.2f}× ideal ({point['wall']['median'] / pool['median']:.2f}× the pool) "
            f"| ≤ {limit} | {_met(ratio <= limit)} |"
        )
    return rows


def _refresh_rows(f: dict[str, Any]) -> list[str]:
    listed, by_id = f["listed"], f["by_id"]
    n, p = f["count"], f["parallelism"]
    return [
        f"| refresh of {n:,} recorded @ 50 ms, the list offered (plan, P={p}) "
        f"| {_s(listed['wall'])} | offline plan: {_s(listed['offline'])} "
        f"| +{listed['extra']:.2f} s | ≤ +0.5 s | {_met(listed['extra'] <= 0.5)} |",
        f"| refresh of {n:,} recorded @ 50 ms, GET by id only (P={p}) "
        f"| {_s(by_id['wall'])} | offline plan: {_s(by_id['offline'])}; "
        f"N × 50 ms / P = {by_id['ideal']:.2f} s | +{by_id['extra']:.2f} s = "
        f"{by_id['ratio']:.2f}× | ≤ 1.2× | {_met(by_id['ratio'] <= 1.2)} |",
    ]


def _rate_row(r: dict[str, Any]) -> str:
    ok = r["ratio"] <= 1.15 and r["answers_429"] < 10
    return (
        f"| apply 300 under `--rate-limit {r['rate']:g}` (sandbox), P=10 | {_s(r['wall'])}; "
        f"429 answers: {', '.join(str(n) for n in r['answers_429_each'])} "
        f"| ideal 300 / {r['rate']:g} = {r['ideal']:.1f} s | {r['ratio']:.2f}× "
        f"| ≤ 1.15×, < 10 answers of 429 | {_met(ok)} |"
    )


def _plan_rows(r: dict[str, Any]) -> list[str]:
    rows = []
    if "plan" in r:
        p = r["plan"]
        rows.append(
            f"| plan {p['count']:,} offline | {_s(p['plan'])} | bare C parse: {_s(p['parse'])} "
            f"| {p['ratio']:.2f}× | ≤ 1.3× | {_met(p['ratio'] <= 1.3)} |"
        )
    if "plan50k" in r:
        b = r["plan50k"]
        wall, mib = b["plan"]["median"], b["plan_peak_mib"]["median"]
        rows.append(
            f"| plan 50,000 offline: time, peak memory | {_s(b['plan'])}, "
            f"{_s(b['plan_peak_mib'], 'MiB', 0)} | bare C parse: {_s(b['parse'])}, "
            f"{_s(b['parse_peak_mib'], 'MiB', 0)} | {b['ratio']:.2f}× the parse; "
            f"{wall / 4:.2f}× and {mib / 150:.2f}× the targets | ≤ 4 s, ≤ 150 MiB "
            f"| time {_met(wall <= 4)}, memory {_met(mib <= 150)} |"
        )
    return rows


def targets(r: dict[str, Any]) -> list[str]:
    """The issue-13 target table (rows whose step did not run are left out)."""
    rows = [
        "| figure | measured (median, min–max) | baseline in the same run | ratio | target | |",
        "|---|---|---|---|---|---|",
    ]
    if "disk" in r:
        rows += _apply_rows(r["disk"])
    if "refresh13" in r:
        rows += _refresh_rows(r["refresh13"])
    if "ratelimit" in r:
        rows.append(_rate_row(r["ratelimit"]))
    rows += _plan_rows(r)
    return rows


def details(r: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if "disk" in r:
        disk = r["disk"]
        lines += [
            "",
            "### Apply of 300 creates at P=10 against the disk and the network",
            "",
            "| fsync floor | one raw commit | apply @ 50 ms |",
            "|---|---|---|",
        ]
        for point in disk["by_fsync"]:
            floor = point["fsync_floor_ms"]
            label = "this disk" if floor is None else f"≥ {floor:g} ms"
            lines.append(f"| {label} | {point['commit_ms']:.2f} ms | {_s(point['wall'])} |")
        lines += ["", "| latency | apply | ideal 300 × latency / 10 |", "|---|---|---|"]
        for point in disk["by_latency"]:
            lines.append(
                f"| {point['latency_ms']:g} ms | {_s(point['wall'])} | {point['ideal']:.2f} s |"
            )
        calls = disk["by_fsync"][0]["calls"] if disk["by_fsync"] else {}
        lines += ["", "- Calls of one apply: " + _calls(calls) + "."]
        lines += ["", "![apply time against fsync cost and latency](apply_disk_network.png)"]
    if "refresh13" in r:
        f = r["refresh13"]
        lines += [
            f"- Calls of one refreshing plan, list offered: {_calls(f['listed']['calls'])}.",
            f"- Calls of one refreshing plan, GET by id only: {_calls(f['by_id']['calls'])}.",
        ]
    if "ratelimit" in r:
        lines.append(f"- Calls of the rate-limited apply: {_calls(r['ratelimit']['calls'])}.")
    return lines


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(f"{n} × `{call}`" for call, n in calls.items())


def plot(r: dict[str, Any], path: Path) -> None:
    """Apply time against the cost of one commit (left) and against latency (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    disk = r["disk"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
    xs = [p["commit_ms"] for p in disk["by_fsync"]]
    ys = [p["wall"]["median"] for p in disk["by_fsync"]]
    left.plot(xs, ys, marker="o", label="apply (median)")
    left.axhline(disk["ideal"], linestyle="--", color="grey", label="ideal 300 × 50 ms / 10")
    left.axhline(disk["pool"]["median"], linestyle=":", color="green", label="10 urllib workers")
    left.set_xlabel("measured cost of one SQLite commit (ms)")
    left.set_ylabel("apply wall time (s)")
    left.set_title("apply @ 50 ms against the disk")
    left.set_ylim(bottom=0)
    lat = [p["latency_ms"] for p in disk["by_latency"]]
    right.plot(lat, [p["wall"]["median"] for p in disk["by_latency"]], marker="o", label="apply")
    right.plot(lat, [p["ideal"] for p in disk["by_latency"]], linestyle="--", label="ideal")
    base = disk["by_latency"][0]["wall"]["median"]
    right.plot(
        lat,
        [base + p["ideal"] for p in disk["by_latency"]],
        linestyle=":",
        label="apply at 0 ms + ideal",
    )
    right.set_xlabel("latency per call (ms)")
    right.set_ylabel("apply wall time (s)")
    right.set_title("apply on this disk against the network")
    right.set_ylim(bottom=0)
    for axis in (left, right):
        axis.grid(True, alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
