"""The account's test plans and saved favourites, read once per run (shell).

Preflight checks and the plan renderer both need the account's test plans
(`GET /test_plans`, every page) and saved favourites (`GET
/saved_execution_configs`). `AccountCache` reads both the first time either
is asked for, on two threads at once (they are independent calls, so a run
waits for the slower one, not the sum), and keeps them for the rest of the
run. A failed read is not cached: the error propagates and a later call
tries again.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


class AccountReader(Protocol):
    """The two reads the cache makes (`TestsigmaClient` has them)."""

    def list_test_plans(self) -> list[dict[str, Any]]: ...

    def list_saved_configs(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class Account:
    """What the account holds that a YAML file may refer to."""

    test_plans: tuple[dict[str, Any], ...]
    saved_configs: tuple[dict[str, Any], ...]


class AccountCache:
    """Reads the account once, concurrently, and serves it from memory afterwards.

    Thread-safe: concurrent first callers share one fetch.
    """

    def __init__(self, client: AccountReader) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._account: Account | None = None

    def fetch(self) -> Account:
        """The account's test plans and saved configs (read on the first call only)."""
        with self._lock:
            if self._account is None:
                self._account = self._read()
            return self._account

    def test_plans(self) -> list[dict[str, Any]]:
        """Every test plan of the account (all pages)."""
        return list(self.fetch().test_plans)

    def saved_configs(self) -> list[dict[str, Any]]:
        """Every saved favourite execution config."""
        return list(self.fetch().saved_configs)

    def _read(self) -> Account:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="account") as pool:
            plans = pool.submit(self._client.list_test_plans)
            configs = pool.submit(self._client.list_saved_configs)
            # Wait for both before raising, so no read is left running behind us.
            plan_error, config_error = plans.exception(), configs.exception()
        error = plan_error or config_error
        if error is not None:
            raise error
        account = Account(tuple(plans.result()), tuple(configs.result()))
        log.debug(
            "account: %d test plans, %d saved favourites",
            len(account.test_plans),
            len(account.saved_configs),
        )
        return account
