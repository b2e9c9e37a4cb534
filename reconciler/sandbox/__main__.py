"""`python -m reconciler.sandbox [--port N] [--api-key K] [switches]`: the sandbox without the CLI.

Logs (never prints) the URL and key; `reconciler sandbox` is the supported entry.
The switches mirror `SandboxConfig` (docs/SANDBOX.md); everything is off by default.
"""

from __future__ import annotations

import argparse
import logging

from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.sandbox import Sandbox, serve

log = logging.getLogger("reconciler.sandbox")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reconciler.sandbox")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--unique-names", action="store_true", help="422 on a taken name")
    parser.add_argument("--replacing-put", action="store_true", help="PUT replaces, not merges")
    parser.add_argument("--ordered-lists", action="store_true", help="id order without sort=")
    parser.add_argument("--control", action="store_true", help="serve /_sandbox/ endpoints")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--seed", type=int, default=None, help="seed of every fault draw")
    parser.add_argument("--fault-rate", type=float, default=0)
    parser.add_argument("--commit-fail-rate", type=float, default=0)
    parser.add_argument("--rate-limit", type=float, default=0, help="requests per second")
    parser.add_argument("--id-oddity-rate", type=float, default=0)
    return parser


def main() -> None:
    args = _parser().parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = SandboxConfig(
        unique_names=args.unique_names,
        replacing_put=args.replacing_put,
        ordered_lists=args.ordered_lists,
        control=args.control,
        latency_ms=args.latency_ms,
        fault_seed=args.seed,
        fault_rate=args.fault_rate,
        commit_fail_rate=args.commit_fail_rate,
        rate_limit=args.rate_limit,
        id_oddity_rate=args.id_oddity_rate,
    )

    def ready(sandbox: Sandbox) -> None:
        log.info("Testsigma sandbox on %s (API key: %s)", sandbox.url, sandbox.api_key)

    serve(port=args.port, api_key=args.api_key, config=config, on_ready=ready)


if __name__ == "__main__":
    main()
