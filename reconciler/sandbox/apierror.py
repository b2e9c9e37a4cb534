"""The sandbox's one error type: an HTTP status plus a Testsigma-shaped body.

Testsigma errors carry `{error, code, fieldErrors, objectErrors}`; raising
`ApiError` anywhere in the sandbox's logic yields exactly that answer, and the
in-process inspection methods raise the same exception so tests see what an
HTTP client would.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer: `status`, a message, a code and optional field errors."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str,
        field_errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.message = message
        self.code = code
        self.field_errors = list(field_errors or [])

    def body(self) -> dict[str, Any]:
        return {
            "error": self.message,
            "code": self.code,
            "fieldErrors": self.field_errors,
            "objectErrors": [],
        }


def field_error(field: str, message: str, rejected: Any = None) -> dict[str, Any]:
    return {"field": field, "message": message, "rejectedValue": rejected}


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", code="NOT_FOUND")
