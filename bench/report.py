"""Turn `results.json` into `PERFORMANCE.md` and `scaling.png`.

The figures come only from the run's results; the analysis that does not change
from run to run (what the profile showed, what was changed and its before/after
figures) is kept by hand in `bench/findings.md` and copied in verbatim, so a rerun
refreshes every number without losing the story behind them.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path
from typing import Any

import report13
from harness import REPO

FINDINGS = REPO / "bench" / "findings.md"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _s(stats: dict[str, Any], unit: str = "s", digits: int = 2) -> str:
    return (
        f"{stats['median']:.{digits}f} {unit} "
        f"({stats['min']:.{digits}f}–{stats['max']:.{digits}f}, n={stats['runs']})"
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _targets(r: dict[str, Any]) -> list[str]:
    rows = [
        "| measurement | figure (median, min–max) | baseline / ideal | ratio | target | |",
        "|---|---|---|---|---|---|",
    ]
    if "plan" in r:
        p = r["plan"]
        rows.append(
            f"| plan --no-refresh, {p['count']:,} schedules in {p['files']} files "
            f"| {_s(p['plan'])} | parse only (C safe loader): {_s(p['parse'])} "
            f"| {p['ratio']:.2f}x | ≤ 3x (aim 1.5x) | {_verdict(p['ratio'] <= 3)} |"
        )
        peak = p["plan_peak_mib"]["median"]
        rows.append(
            f"| peak memory of that plan | {_s(p['plan_peak_mib'], 'MiB', 0)} "
            f"| parse only: {_s(p['parse_peak_mib'], 'MiB', 0)} | – | < 400 MB "
            f"| {_verdict(peak * 1.048576 < 400)} |"
        )
    if "refresh" in r:
        f = r["refresh"]
        rows.append(
            f"| plan with refresh, {f['count']:,} recorded, 50 ms, --parallelism "
            f"{f['parallelism']} | {_s(f['wall'])} | ideal {f['count']:,} x 50 ms / "
            f"{f['parallelism']} = {f['ideal']:.2f} s | {f['ratio']:.2f}x | ≤ 1.5x "
            f"| {_verdict(f['ratio'] <= 1.5)} |"
        )
    if "apply" in r:
        a = r["apply"]
        rows.append(
            f"| apply, {a['count']} creates, 50 ms, --parallelism {a['parallelism']} "
            f"| {_s(a['wall'])} | ideal {a['count']} x 50 ms / {a['parallelism']} = "
            f"{a['ideal']:.2f} s | {a['ratio_ideal']:.2f}x | ≤ 2x "
            f"| {_verdict(a['ratio_ideal'] <= 2)} |"
        )
        rows.append(
            f"| the same apply vs a sequential httpx client | {_s(a['wall'])} "
            f"| sequential: {_s(a['sequential'])} | {a['speedup_vs_sequential']:.1f}x faster "
            f"| ≥ 4x faster | {_verdict(a['speedup_vs_sequential'] >= 4)} |"
        )
    if "startup" in r:
        base = r["startup"]["python -c pass"]["wall"]
        for label in ("reconciler --version", "reconciler validate small.yaml"):
            entry = r["startup"][label]
            heavy = entry["imports"]["heavy_loaded"]
            unused = [h for h in heavy if h in ("httpx", "deepdiff", "sqlite3", "psycopg")]
            rows.append(
                f"| `{label}` | {_s(entry['wall'])} | bare `python -c pass`: {_s(base)} "
                f"| – | no httpx, deepdiff or state drivers imported "
                f"| {_verdict(not unused)}{' (' + ', '.join(unused) + ')' if unused else ''} |"
            )
    if "scaling" in r:
        fit = r["scaling"]["fit"]
        rows.append(
            f"| scaling 100 → 50,000 schedules | time R² {fit['wall_r2']:.4f}, "
            f"memory R² {fit['peak_mib_r2']:.4f} | linear fit | – | linear "
            f"| {_verdict(fit['wall_r2'] > 0.99 and fit['peak_mib_r2'] > 0.99)} |"
        )
    return rows


def _calls(title: str, calls: dict[str, int]) -> list[str]:
    listed = ", ".join(f"{n} x `{call}`" for call, n in calls.items())
    return [f"- {title}: {listed}."]


def _details(r: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if "refresh" in r:
        lines += _calls("Calls of one refreshing plan", r["refresh"]["calls"])
    if "apply" in r:
        lines += _calls("Calls of one apply", r["apply"]["calls"])
    if "startup" in r:
        lines += ["", "### Start-up imports (`python -X importtime`, self time by package)", ""]
        for label in ("reconciler --version", "reconciler validate small.yaml"):
            imports = r["startup"][label]["imports"]
            top = ", ".join(f"{t['package']} {t['ms']:.0f} ms" for t in imports["top"][:8])
            lines.append(
                f"- `{label}`: {imports['total_ms']:.0f} ms of imports in all; top: {top}. "
                f"Heavy packages loaded: {', '.join(imports['heavy_loaded']) or 'none'}."
            )
    if "scaling" in r:
        lines += [
            "",
            "### Scaling (`plan --no-refresh`, 100 schedules per file)",
            "",
            "| schedules | time | per 1,000 | peak memory |",
            "|---|---|---|---|",
        ]
        for p in r["scaling"]["points"]:
            per = p["wall"]["median"] / p["size"] * 1000
            lines.append(
                f"| {p['size']:,} | {_s(p['wall'])} | {per:.3f} s | {_s(p['peak_mib'], 'MiB', 0)} |"
            )
        fit = r["scaling"]["fit"]
        lines += [
            "",
            f"Least-squares line: time = {fit['wall_intercept']:.2f} s + "
            f"{fit['wall_per_1000']:.3f} s per 1,000 schedules (R² {fit['wall_r2']:.4f}); "
            f"memory = {fit['peak_mib_intercept']:.0f} MiB + {fit['peak_mib_per_1000']:.2f} MiB "
            f"per 1,000 (R² {fit['peak_mib_r2']:.4f}).",
            "",
            "![plan time and peak memory by number of schedules](scaling.png)",
        ]
    return lines


def plot(r: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = r["scaling"]["points"]
    sizes = [p["size"] for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for axis, key, label in ((left, "wall", "seconds"), (right, "peak_mib", "peak MiB")):
        med = [p[key]["median"] for p in points]
        low = [p[key]["median"] - p[key]["min"] for p in points]
        high = [p[key]["max"] - p[key]["median"] for p in points]
        axis.errorbar(sizes, med, yerr=[low, high], marker="o", capsize=3, label="measured")
        fit = r["scaling"]["fit"]
        line = [fit[f"{key}_intercept"] + fit[f"{key}_per_1000"] * s / 1000 for s in sizes]
        axis.plot(sizes, line, linestyle="--", label=f"linear fit (R² {fit[f'{key}_r2']:.4f})")
        axis.set_xlabel("schedules (100 per file)")
        axis.set_ylabel(label)
        axis.grid(True, alpha=0.3)
        axis.legend()
    left.set_title("plan --no-refresh: wall time")
    right.set_title("plan --no-refresh: peak memory")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(r: dict[str, Any], *, docs: Path) -> list[Path]:
    docs.mkdir(parents=True, exist_ok=True)
    written = []
    m = r["machine"]
    lines = [
        "# Performance",
        "",
        "Measured by `python bench/run.py` (written by it: edit `bench/findings.md` or the "
        "bench, not this file).",
        "",
        f"Run: {r['mode']}, {r['runs']} runs per measurement unless n= says otherwise "
        "(median, min–max), "
        f"{r['elapsed_seconds']:.0f} s in all. Machine: {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']}, {m['platform']}, {m['date']}"
        + (
            f"; load average at the end {m['load_at_end'][0]:.1f} (1 min), "
            f"{m['load_at_end'][2]:.1f} (15 min): the machine is shared."
            if "load_at_end" in m
            else "."
        ),
        "",
        "## Targets (issue 13), measured side by side in one run",
        "",
        *report13.targets(r),
        *report13.details(r),
        "",
        "## Targets (issue 7), measured side by side in one run",
        "",
        *_targets(r),
        "",
        *_details(r),
    ]
    if "disk" in r:
        report13.plot(r, docs / "apply_disk_network.png")
        written.append(docs / "apply_disk_network.png")
    if "scaling" in r:
        plot(r, docs / "scaling.png")
        written.append(docs / "scaling.png")
    lines += [
        "",
        "## How to reproduce",
        "",
        "```sh",
        "pip install -e '.[bench]'        # matplotlib for the plot; pyinstrument for the profile",
        "python bench/run.py --quick      # about 5 minutes; writes bench/out/PERFORMANCE.md",
        "python bench/run.py              # the full run; writes docs/PERFORMANCE.md and the plot",
        "python bench/run.py --only apply # one step (others kept from bench/out/results.json)",
        "```",
        "",
        "Every command runs in a fresh process, as a user runs it; inputs are generated "
        "into `bench/out/` (gitignored) by `bench/generate.py`. The sandbox runs as a "
        "subprocess; for the refresh it is populated at 0 ms, then slowed to 50 ms through "
        "`POST /_sandbox/config`. Peak memory is the child's own `ru_maxrss` (`os.wait4`).",
        "",
    ]
    if FINDINGS.exists():
        lines += [FINDINGS.read_text(encoding="utf-8").rstrip(), ""]
    if isinstance(r.get("profile"), str):
        lines += [
            "## The profile of this run (pyinstrument, plan of 5,000, --no-refresh)",
            "",
            "<details><summary>pyinstrument text report</summary>",
            "",
            "```",
            *_trim(r["profile"]),
            "```",
            "",
            "</details>",
            "",
        ]
    target = docs / "PERFORMANCE.md"
    target.write_text("\n".join(lines), encoding="utf-8")
    written.append(target)
    return written


def _trim(text: str, limit: int = 70) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return lines[:limit]
