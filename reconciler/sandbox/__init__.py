"""A local Testsigma-compatible API (SPEC §7): for trying the tool and for tests.

It plays the server, so it shares no logic with the client side: it never
imports `reconciler.engine` or `reconciler.timekeeping`, and re-derives the
server's rules (formats, Java zones, firing) on its own. Stdlib only.

    with Sandbox(api_key="k") as sandbox:
        httpx.get(f"{sandbox.url}/test_plans", headers={"Authorization": "Bearer k"})
"""

from reconciler.sandbox.apierror import ApiError
from reconciler.sandbox.config import FAULT_KINDS, RequestRecord, SandboxConfig
from reconciler.sandbox.sandbox import Sandbox, serve

__all__ = ["FAULT_KINDS", "ApiError", "RequestRecord", "Sandbox", "SandboxConfig", "serve"]
