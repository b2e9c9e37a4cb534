"""One command for the performance figures (issues 7 and 13): `python bench/run.py [--quick]`.

Generates the inputs into `bench/out/`, starts the sandbox (a subprocess, latency
50 ms where the issue says so), runs every measurement several times next to its
baseline, writes `bench/out/results.json`, then `PERFORMANCE.md` and `scaling.png`
(into `docs/` for a full run, into `bench/out/` for `--quick` unless `--docs` says
otherwise). Never part of the test suite: timing is not asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import measurements  # bench/ is on sys.path: this file runs as a script
import network
import report
from harness import REPO

log = logging.getLogger("bench")

STEPS = (
    "plan",
    "startup",
    "refresh",
    "apply",
    "disk",
    "refresh13",
    "ratelimit",
    "plan50k",
    "scaling",
    "profile",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="Fewer runs (about 5 minutes).")
    parser.add_argument("--runs", type=int, help="Runs per measurement (default 7; quick 3).")
    parser.add_argument("--only", action="append", choices=STEPS, help="Run only these steps.")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--docs", type=Path, help="Where PERFORMANCE.md and scaling.png go.")
    parser.add_argument("--no-report", action="store_true", help="Only write results.json.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the baselines' clients: quiet

    runs = args.runs or (3 if args.quick else 7)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    steps = args.only or list(STEPS)
    results_path = out / "results.json"
    results: dict[str, Any] = {}
    if args.only and results_path.exists():
        results = json.loads(results_path.read_text(encoding="utf-8"))
    results["mode"] = "quick" if args.quick else "full"
    results["runs"] = runs
    started = time.perf_counter()

    def step(name: str, work: Any) -> None:
        if name not in steps:
            return
        log.info("measuring %s ...", name)
        begun = time.perf_counter()
        results[name] = work()
        log.info("%s done in %.1f s", name, time.perf_counter() - begun)
        measurements.dump(results_path, results)

    step("plan", lambda: measurements.plan_vs_parse(out, runs=runs))
    step("startup", lambda: measurements.startup(out, runs=runs))
    step("refresh", lambda: measurements.refresh(out, runs=runs))
    step(
        "apply",
        lambda: measurements.apply(out, runs=runs, baseline_runs=1 if args.quick else 3),
    )
    step(
        "disk",
        lambda: network.apply_disk_and_network(
            out,
            runs=2 if args.quick else 3,
            fsync_ms=[None, 5] if args.quick else [None, 5, 10, 20],
            latencies=[0, 50] if args.quick else [0, 25, 50, 100],
        ),
    )
    step("refresh13", lambda: network.refresh_modes(out, runs=2 if args.quick else 3))
    step("ratelimit", lambda: network.rate_limited_apply(out, runs=1 if args.quick else 2))
    step("plan50k", lambda: network.plan_50000(out, runs=2 if args.quick else 3))
    step(
        "scaling",
        lambda: measurements.scaling(
            out,
            sizes=[100, 1_000, 10_000, 50_000],
            runs=runs,
            big_runs=2 if args.quick else 3,
        ),
    )
    step("profile", lambda: measurements.profile(out))
    results["machine"] = report.machine()
    results["machine"]["load_at_end"] = list(os.getloadavg())
    # With --only, the steps kept from the earlier run count too.
    earlier = results.get("elapsed_seconds", 0.0) if args.only else 0.0
    results["elapsed_seconds"] = earlier + time.perf_counter() - started
    measurements.dump(results_path, results)
    if not args.no_report:
        docs = args.docs or (out if args.quick else REPO / "docs")
        written = report.write(results, docs=docs)
        log.info("wrote %s", ", ".join(str(p) for p in written))
    log.info("total %.1f s", results["elapsed_seconds"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
