"""Each measurement of issue 7, run side by side with its baseline, returning plain data.

Every function takes the output directory and how many runs to make, generates
its inputs there (deterministically), and returns a JSON-able dict of `Stats`
and ratios. Baselines run in the same session, interleaved with the measured
command where that is cheap, so both see the same machine load.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from generate import write_inputs, write_small
from harness import (
    API_KEY,
    PYTHON,
    REPO,
    SandboxProcess,
    Stats,
    calls_by_kind,
    clean_env,
    fresh_state,
    reconciler,
    repeat,
    run_timed,
)
from sequential import post_all

LATENCY_MS = 50
HEAVY = ("httpx", "deepdiff", "sqlite3", "psycopg", "rich", "pydantic")


def plan_vs_parse(
    out: Path, *, runs: int, count: int = 5000, files: int = 50, warm: bool = True
) -> dict[str, Any]:
    """`plan --no-refresh` of `count` schedules in `files` files vs parsing them only,
    interleaved (after one warm-up run of each, unless `warm` is False)."""
    inputs = out / f"plan{count}"
    write_inputs(inputs, count, per_file=count // files)
    state = fresh_state(out / "empty-state.db")
    env = clean_env()
    plan_args = reconciler("plan", "--no-refresh", "--state", f"sqlite:///{state}", str(inputs))
    parse_args = [PYTHON, str(REPO / "bench" / "parse_only.py"), str(inputs)]
    if warm:  # the page cache and .pyc files, once
        run_timed(plan_args, env=env)
        run_timed(parse_args, env=env)
    plans, parses = [], []
    for _ in range(runs):
        parses.append(run_timed(parse_args, env=env))
        plans.append(run_timed(plan_args, env=env))
    plan_s = Stats.of([s.seconds for s in plans])
    parse_s = Stats.of([s.seconds for s in parses])
    return {
        "count": count,
        "files": files,
        "plan": plan_s.to_json(),
        "plan_peak_mib": Stats.of([s.peak_mib for s in plans]).to_json(),
        "parse": parse_s.to_json(),
        "parse_peak_mib": Stats.of([s.peak_mib for s in parses]).to_json(),
        "ratio": plan_s.median / parse_s.median,
    }


def _importtime(args: list[str]) -> dict[str, Any]:
    """`python -X importtime`: self time by top-level package, and which heavy ones loaded."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", *args[1:]],
        env=clean_env(),
        capture_output=True,
        check=False,
    )
    by_package: dict[str, int] = {}
    loaded: set[str] = set()
    total = 0
    for line in done.stderr.decode(errors="replace").splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if not found:
            continue
        self_us, module = int(found.group(1)), found.group(4)
        top = module.split(".")[0]
        loaded.add(top)
        by_package[top] = by_package.get(top, 0) + self_us
        total += self_us
    top_ten = sorted(by_package.items(), key=lambda kv: -kv[1])[:10]
    return {
        "total_ms": total / 1000,
        "top": [{"package": name, "ms": us / 1000} for name, us in top_ten],
        "heavy_loaded": sorted(h for h in HEAVY if h in loaded),
    }


def startup(out: Path, *, runs: int) -> dict[str, Any]:
    """Wall time of `--version` and `validate small.yaml` vs a bare interpreter."""
    small = write_small(out / "small.yaml")
    env = clean_env()
    commands = {
        "python -c pass": [PYTHON, "-c", "pass"],
        "reconciler --version": reconciler("--version"),
        "reconciler validate small.yaml": reconciler("validate", str(small)),
    }
    result: dict[str, Any] = {}
    for label, args in commands.items():
        run_timed(args, env=env)
        samples = repeat(args, runs=max(runs, 5), env=env)
        entry: dict[str, Any] = {
            "wall": Stats.of([s.seconds for s in samples]).to_json(),
            "peak_mib": Stats.of([s.peak_mib for s in samples]).to_json(),
        }
        if label.startswith("reconciler"):
            entry["imports"] = _importtime(args)
        result[label] = entry
    return result


def refresh(out: Path, *, runs: int, count: int = 1000, parallelism: int = 8) -> dict[str, Any]:
    """`plan` (with refresh) of `count` recorded schedules against a 50 ms sandbox."""
    inputs = out / f"refresh{count}"
    write_inputs(inputs, count, prefix="refresh")
    state = fresh_state(out / "refresh-state.db")
    with SandboxProcess() as sandbox:
        env = sandbox.env(state)
        # Populate at zero latency (not measured), then slow the same sandbox down.
        run_timed(
            reconciler("apply", "--auto-approve", "--parallelism", "16", str(inputs)), env=env
        )
        sandbox.set_latency(LATENCY_MS)
        args = reconciler("plan", "--parallelism", str(parallelism), str(inputs))
        samples = []
        calls: dict[str, int] = {}
        for _ in range(runs):
            sandbox.clear_requests()
            samples.append(run_timed(args, env=env))
            calls = calls_by_kind(sandbox.requests())
    wall = Stats.of([s.seconds for s in samples])
    ideal = count * LATENCY_MS / 1000 / parallelism
    return {
        "count": count,
        "parallelism": parallelism,
        "wall": wall.to_json(),
        "peak_mib": Stats.of([s.peak_mib for s in samples]).to_json(),
        "ideal": ideal,
        "ratio": wall.median / ideal,
        "calls": calls,
    }


def apply(
    out: Path, *, runs: int, baseline_runs: int, count: int = 300, parallelism: int = 10
) -> dict[str, Any]:
    """`apply` of `count` creates at `--parallelism` vs the ideal and a sequential client."""
    inputs = out / f"apply{count}"
    write_inputs(inputs, count, prefix="apply")
    samples = []
    calls: dict[str, int] = {}
    bodies: list[dict[str, Any]] = []
    for _ in range(runs):
        state = fresh_state(out / "apply-state.db")
        with SandboxProcess(latency_ms=LATENCY_MS) as sandbox:
            args = reconciler(
                "apply", "--auto-approve", "--parallelism", str(parallelism), str(inputs)
            )
            samples.append(run_timed(args, env=sandbox.env(state)))
            records = sandbox.requests()
        calls = calls_by_kind(records)
        bodies = [
            r["body"]
            for r in records
            if r["method"] == "POST" and r["path"] == "/schedule_executions"
        ]
    sequential = []
    for _ in range(baseline_runs):
        with SandboxProcess(latency_ms=LATENCY_MS) as sandbox:
            sequential.append(post_all(sandbox.url, API_KEY, bodies))
    wall = Stats.of([s.seconds for s in samples])
    seq = Stats.of(sequential)
    ideal = count * LATENCY_MS / 1000 / parallelism
    return {
        "count": count,
        "parallelism": parallelism,
        "wall": wall.to_json(),
        "peak_mib": Stats.of([s.peak_mib for s in samples]).to_json(),
        "ideal": ideal,
        "ratio_ideal": wall.median / ideal,
        "sequential": seq.to_json(),
        "speedup_vs_sequential": seq.median / wall.median,
        "calls": calls,
    }


def scaling(out: Path, *, sizes: list[int], runs: int, big_runs: int) -> dict[str, Any]:
    """`plan --no-refresh` time and peak memory at each size (100 schedules per file)."""
    env = clean_env()
    state = fresh_state(out / "empty-state.db")
    points = []
    for size in sizes:
        inputs = out / f"scale{size}"
        write_inputs(inputs, size)
        args = reconciler("plan", "--no-refresh", "--state", f"sqlite:///{state}", str(inputs))
        run_timed(args, env=env)
        samples = repeat(args, runs=big_runs if size >= 50_000 else runs, env=env)
        points.append(
            {
                "size": size,
                "wall": Stats.of([s.seconds for s in samples]).to_json(),
                "peak_mib": Stats.of([s.peak_mib for s in samples]).to_json(),
            }
        )
    return {"points": points, "fit": _fit(points)}


def _fit(points: list[dict[str, Any]]) -> dict[str, float]:
    """Least-squares line through (size, median seconds) and (size, median MiB), with R²."""
    result: dict[str, float] = {}
    for key in ("wall", "peak_mib"):
        xs = [float(p["size"]) for p in points]
        ys = [float(p[key]["median"]) for p in points]
        n = len(xs)
        mx, my = sum(xs) / n, sum(ys) / n
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
        intercept = my - slope * mx
        ss_tot = sum((y - my) ** 2 for y in ys) or 1.0
        ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
        result[f"{key}_per_1000"] = slope * 1000
        result[f"{key}_intercept"] = intercept
        result[f"{key}_r2"] = 1 - ss_res / ss_tot
    return result


def profile(out: Path, *, count: int = 5000) -> str:
    """A pyinstrument profile of the slowest local path (plan of `count`), as text."""
    inputs = out / f"plan{count}"
    state = fresh_state(out / "empty-state.db")
    report = out / "profile.txt"
    if shutil.which("pyinstrument") is None and not _has_module("pyinstrument"):
        return "(pyinstrument is not installed: `pip install pyinstrument` to include a profile)"
    subprocess.run(
        [
            PYTHON, "-m", "pyinstrument", "-r", "text", "-o", str(report),
            "-m", "reconciler", "plan", "--no-refresh", "--state", f"sqlite:///{state}",
            str(inputs),
        ],
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )  # fmt: skip
    return report.read_text(encoding="utf-8")


def _has_module(name: str) -> bool:
    done = subprocess.run([PYTHON, "-c", f"import {name}"], capture_output=True, check=False)
    return done.returncode == 0


def dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
