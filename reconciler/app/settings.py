"""Where the shell gets its settings: flags, environment, the clock, the secret.

The API key is read here and nowhere else. Surrounding whitespace is
stripped wherever it comes from (a pasted secret often ends in a newline);
any other character that cannot travel in an HTTP header is refused with a
message that does not show the key. The API URL must be https (plain http
only to a loopback address, or with --insecure-http and a warning on every
run) and must not carry a user name or password. `install_redaction` makes
sure the key cannot reach a log line or an output line, in any of the
encodings it could be quoted in, even if some layer tries.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
import logging
import os
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reconciler.core.errors import ReconcilerError

DEFAULT_API_URL = "https://app.testsigma.com/api/v1"
#: Requests in flight at once, for every command that reads or changes many schedules
#: (`--parallelism`); all of them share one adaptive limiter that backs off on 429.
DEFAULT_PARALLELISM = 8
REDACTED = "***"


@dataclass(frozen=True, slots=True)
class Connection:
    api_url: str
    api_key: str | None
    warnings: tuple[str, ...] = field(default=())

    def require_key(self) -> str:
        if not self.api_key:
            raise ReconcilerError(
                "no API key: set TESTSIGMA_API_KEY or pass --api-key-file FILE "
                "(try `reconciler sandbox` for a local server and key)"
            )
        return self.api_key


def connection(
    api_url: str | None, api_key_file: Path | None, *, insecure_http: bool = False
) -> Connection:
    """Resolve --api-url/TESTSIGMA_API_URL and --api-key-file/TESTSIGMA_API_KEY, checked."""
    url, warnings = checked_api_url(
        api_url or os.environ.get("TESTSIGMA_API_URL") or DEFAULT_API_URL,
        insecure_http=insecure_http,
    )
    key: str | None
    if api_key_file is not None:
        try:
            raw = api_key_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ReconcilerError(
                f"the API key file {api_key_file} is not UTF-8 text (the key must be ASCII)"
            ) from None
        except OSError as exc:
            raise ReconcilerError(
                f"cannot read the API key file {api_key_file}: {exc.strerror or 'unreadable'}"
            ) from None
        key = checked_key(raw, source=f"the API key file {api_key_file}")
        if not key:
            raise ReconcilerError(f"the API key file {api_key_file} is empty")
    else:
        raw_env = os.environ.get("TESTSIGMA_API_KEY")
        key = checked_key(raw_env, source="TESTSIGMA_API_KEY") if raw_env else None
        key = key or None
    return Connection(api_url=url, api_key=key, warnings=warnings)


def checked_key(raw: str, *, source: str) -> str:
    """The key without surrounding whitespace; refused (never shown) if it holds anything
    an HTTP header cannot carry: a control character, a space, or a non-ASCII character."""
    key = raw.strip()
    if key:
        install_redaction(key)
    for position, char in enumerate(key, start=1):
        if 0x21 <= ord(char) <= 0x7E:
            continue
        if ord(char) > 0x7F:
            kind = "a non-ASCII character"
        elif char == " ":
            kind = "a space"
        else:
            kind = "a control or whitespace character"
        raise ReconcilerError(
            f"the API key in {source} contains {kind} at position {position} of {len(key)}; "
            "an API key is printable ASCII only: copy it again from Testsigma "
            "(the key is not shown here)"
        )
    return key


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def checked_api_url(url: str, *, insecure_http: bool = False) -> tuple[str, tuple[str, ...]]:
    """The API URL if it is safe to send the key to, and the warnings to print every run.

    Checked before any connection is made. The URL is never echoed when it
    carries a password.
    """
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ReconcilerError(
            "the API URL is not a valid URL (expected https://HOST/api/v1)"
        ) from None
    if "@" in parts.netloc:
        shown = urllib.parse.urlunsplit(
            parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2])
        )
        raise ReconcilerError(
            f"the API URL carries a user name or password ({shown}): remove it; the API key "
            "(TESTSIGMA_API_KEY or --api-key-file) is the only credential Testsigma takes"
        )
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise ReconcilerError(
            f"the API URL {url.strip()!r} must be https://HOST/... (for example {DEFAULT_API_URL})"
        )
    warnings: list[str] = []
    if scheme == "http" and not _is_loopback(host):
        if not insecure_http:
            raise ReconcilerError(
                f"refusing to send the API key unencrypted to {host} (the API URL is http://): "
                "use https://, or pass --insecure-http if this network is trusted"
            )
        warnings.append(
            f"Warning: --insecure-http: the API key is sent unencrypted to {host}; "
            "anyone on the network path can read it and use it"
        )
    return url.strip(), tuple(warnings)


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
            if redact(str(exc)) != str(exc):
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


@functools.lru_cache(maxsize=64)
def _encodings(secret: str) -> frozenset[str]:
    """The forms a secret could be quoted in: raw, repr/JSON-escaped, URL-encoded, base64."""
    raw = secret.encode("utf-8", errors="surrogateescape")
    forms = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret, safe=""),
    }
    for offset in range(3):
        # base64 at each of the three alignments a secret can have inside a longer text
        padded = b"\0" * offset + raw
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(padded).decode("ascii").rstrip("=")
            skip = (offset * 4 + 2) // 3
            stable = text[skip : len(text) - 2]
            if len(stable) >= 8:
                forms.add(stable)
    return frozenset(f for f in forms if len(f) >= 4)


def redacts_within_lines() -> bool:
    """Whether redacting a text in pieces cut at line breaks hides every secret as well as
    redacting it whole: true unless some form of a secret spans a line break."""
    return not any("\n" in form for secret in list(_SECRETS) for form in _encodings(secret))


def redact(text: str) -> str:
    """`text` with every known secret replaced, in every encoding it could appear in."""
    for secret in list(_SECRETS):
        for form in _encodings(secret):
            text = text.replace(form, REDACTED)
    return text
