"""The account's test plans and saved favourites, read once per run (shell).

Preflight checks and the plan renderer both need the account's test plans
(`GET /test_plans`, every page) and saved favourites (`GET
/saved_execution_configs`). `read_account` reads both once per command, on
two threads at once (they are independent calls, so a run waits for the
slower one, not the sum); the caller keeps the `Account` for the rest of the
run. A failed read raises after both reads have ended.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from reconciler.core.payload import JsonValue

log = logging.getLogger(__name__)


class AccountReader(Protocol):
    """The two reads the cache makes (`TestsigmaClient` has them)."""

    def list_test_plans(self) -> list[dict[str, JsonValue]]: ...

    def list_saved_configs(self) -> list[dict[str, JsonValue]]: ...


@dataclass(frozen=True, slots=True)
class Account:
    """What the account holds that a YAML file may refer to."""

    test_plans: tuple[dict[str, JsonValue], ...]
    saved_configs: tuple[dict[str, JsonValue], ...]


def read_account(client: AccountReader) -> Account:
    """The account's test plans (every page) and saved favourites, read concurrently."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="account") as pool:
        plans = pool.submit(client.list_test_plans)
        configs = pool.submit(client.list_saved_configs)
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
