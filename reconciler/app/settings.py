"""Where the shell gets its settings: flags, environment, the clock, the secret.

The API key is read here and nowhere else; `install_redaction` makes sure it
cannot reach a log line even if some layer tries to log it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reconciler.core.errors import ReconcilerError

DEFAULT_API_URL = "https://app.testsigma.com/api/v1"
REDACTED = "***"


@dataclass(frozen=True, slots=True)
class Connection:
    api_url: str
    api_key: str | None

    def require_key(self) -> str:
        if not self.api_key:
            raise ReconcilerError(
                "no API key: set TESTSIGMA_API_KEY or pass --api-key-file FILE "
                "(try `reconciler sandbox` for a local server and key)"
            )
        return self.api_key


def connection(api_url: str | None, api_key_file: Path | None) -> Connection:
    """Resolve --api-url/TESTSIGMA_API_URL and --api-key-file/TESTSIGMA_API_KEY."""
    url = api_url or os.environ.get("TESTSIGMA_API_URL") or DEFAULT_API_URL
    key: str | None
    if api_key_file is not None:
        try:
            key = api_key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ReconcilerError(f"cannot read the API key file {api_key_file}: {exc}") from None
        if not key:
            raise ReconcilerError(f"the API key file {api_key_file} is empty")
    else:
        key = os.environ.get("TESTSIGMA_API_KEY") or None
    if key:
        install_redaction(key)
    return Connection(api_url=url, api_key=key)


def now() -> datetime:
    """The current instant; RECONCILER_NOW (ISO 8601) overrides it for tests and demos."""
    fixed = os.environ.get("RECONCILER_NOW")
    if fixed:
        try:
            value = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
        except ValueError:
            raise ReconcilerError(f"RECONCILER_NOW={fixed!r} is not an ISO 8601 instant") from None
        if value.tzinfo is None:
            raise ReconcilerError("RECONCILER_NOW needs an offset, e.g. 2026-12-01T00:00:00Z")
        return value.astimezone(UTC)
    return datetime.now(UTC)


_SECRETS: set[str] = set()


class _RedactingFilter(logging.Filter):
    """Replaces every known secret in a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _SECRETS:
            return True
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            if any(secret in str(exc) for secret in _SECRETS):
                record.exc_info = None
                record.exc_text = None
                record.msg = f"{record.msg} [exception text withheld: it held a secret]"
        return True


_FILTER = _RedactingFilter()


def reinstall_redaction() -> None:
    """Attach the redacting filter to every handler of the root logger (idempotent).

    Handler filters see records from every logger (logger filters would only
    see the root's own), so this is where redaction must sit.
    """
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def install_redaction(secret: str) -> None:
    """Redact `secret` from every log record and every CLI output from now on."""
    if len(secret) >= 4:
        _SECRETS.add(secret)
    reinstall_redaction()


def redact(text: str) -> str:
    """`text` with every known secret replaced."""
    for secret in _SECRETS:
        text = text.replace(secret, REDACTED)
    return text
