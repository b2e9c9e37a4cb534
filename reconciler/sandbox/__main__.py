"""`python -m reconciler.sandbox [--port N] [--api-key K]`: the sandbox without the CLI.

Logs (never prints) the URL and key; `reconciler sandbox` is the supported entry.
"""

from __future__ import annotations

import argparse
import logging

from reconciler.sandbox.sandbox import Sandbox, serve

log = logging.getLogger("reconciler.sandbox")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m reconciler.sandbox")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--latency-ms", type=float, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    def ready(sandbox: Sandbox) -> None:
        log.info("Testsigma sandbox on %s (API key: %s)", sandbox.url, sandbox.api_key)

    serve(port=args.port, api_key=args.api_key, latency_ms=args.latency_ms, on_ready=ready)


if __name__ == "__main__":
    main()
