"""A local Testsigma-compatible API: for trying the tool and for tests (docs/SANDBOX.md).

It plays the server, so it shares no logic with the client side: it imports
nothing else from `reconciler` and re-derives the server's rules (formats,
Java zones, the query parser, the scheduler) on its own. By default it is the
least forgiving plausible server; friendlier behaviours, faults and the
`/_sandbox/` control endpoints are switched on explicitly.

    with Sandbox(api_key="k") as sandbox:            # real HTTP on 127.0.0.1
        httpx.get(f"{sandbox.url}/test_plans", headers={"Authorization": "Bearer k"})

    http = httpx.Client(transport=Sandbox(api_key="k").transport(), base_url=IN_PROCESS_URL)
"""

from reconciler.sandbox.apierror import ApiError
from reconciler.sandbox.config import (
    DEFAULT_FAULTS,
    FAULT_KINDS,
    ID_ODDITIES,
    RequestRecord,
    SandboxConfig,
)
from reconciler.sandbox.sandbox import Sandbox, serve
from reconciler.sandbox.transport import IN_PROCESS_URL, SandboxTransport

__all__ = [
    "DEFAULT_FAULTS",
    "FAULT_KINDS",
    "ID_ODDITIES",
    "IN_PROCESS_URL",
    "ApiError",
    "RequestRecord",
    "Sandbox",
    "SandboxConfig",
    "SandboxTransport",
    "serve",
]
