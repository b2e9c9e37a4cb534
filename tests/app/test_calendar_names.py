"""`calendar` names test plans from the account when it can, and only loses the names when
it cannot (`app.calendar.read_test_plan_names`, over the in-process sandbox)."""

from __future__ import annotations

from contextlib import AbstractContextManager

from helpers import API_KEY

from reconciler.app.calendar import read_test_plan_names
from reconciler.core.errors import ReconcilerError
from reconciler.sandbox import IN_PROCESS_URL, Sandbox
from reconciler.testsigma.client import TestsigmaClient
from reconciler.testsigma.retry import RetryPolicy


def opener(key: str) -> AbstractContextManager[TestsigmaClient]:
    return TestsigmaClient(
        base_url=IN_PROCESS_URL,
        api_key=key,
        transport=Sandbox(api_key=API_KEY).transport(),
        retry=RetryPolicy(max_attempts=1),
    )


def test_the_accounts_test_plans_name_the_ids() -> None:
    names, why_not = read_test_plan_names(lambda: opener(API_KEY))
    assert why_not is None and names is not None
    assert names[4001] == "Flaky checkout"


def test_an_account_that_cannot_be_read_costs_only_the_names() -> None:
    names, why_not = read_test_plan_names(lambda: opener("not-the-key"))
    assert names is None and why_not is not None
    assert why_not.startswith("test plans are shown by id only (the account could not be read")


def test_a_client_that_cannot_be_made_costs_only_the_names() -> None:
    def no_client() -> AbstractContextManager[TestsigmaClient]:
        raise ReconcilerError("--ca-bundle ca.pem: no such file")

    assert read_test_plan_names(no_client) == (
        None,
        "test plans are shown by id only: --ca-bundle ca.pem: no such file",
    )
