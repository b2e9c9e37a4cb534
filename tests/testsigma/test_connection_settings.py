"""Connection settings: the key's cleaning, the URL's checks, redaction, the deadline hook."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

import httpx
import pytest

from reconciler.app.settings import checked_api_url, checked_key, connection, redact
from reconciler.core.errors import ReconcilerError
from reconciler.testsigma.client import TestsigmaClient

KEY = "tsk_live_SETTINGS_0a1b2c3d4e5f"


@pytest.mark.parametrize("raw", [KEY + "\n", f"  {KEY}\r\n", f"\t{KEY} \n\n"])
def test_surrounding_whitespace_is_stripped_wherever_the_key_comes_from(
    raw: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTSIGMA_API_KEY", raw)
    assert connection("https://h.example/api/v1", None).api_key == KEY
    key_file = tmp_path / "key"
    key_file.write_text(raw, encoding="utf-8")
    assert connection("https://h.example/api/v1", key_file).api_key == KEY


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (KEY[:5] + "\n" + KEY[5:], "control or whitespace"),
        (KEY[:5] + "\x7f" + KEY[5:], "control or whitespace"),
        (KEY[:5] + " " + KEY[5:], "a space"),
        (KEY + "é", "non-ASCII"),
        (KEY[:5] + "\u200b" + KEY[5:], "non-ASCII"),
    ],
)
def test_a_key_that_cannot_travel_in_a_header_is_refused_unseen(raw: str, kind: str) -> None:
    with pytest.raises(ReconcilerError) as info:
        checked_key(raw, source="TESTSIGMA_API_KEY")
    assert kind in info.value.message
    assert KEY[:5] not in info.value.message and KEY[6:] not in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        "https://app.testsigma.com/api/v1",
        "http://127.0.0.1:8080/api/v1",
        "http://127.3.4.5/api/v1",
        "http://[::1]:9000/api/v1",
        "http://localhost:9000/api/v1",
    ],
)
def test_https_and_loopback_http_are_accepted_without_a_warning(url: str) -> None:
    assert checked_api_url(url) == (url, ())


def test_http_elsewhere_is_refused_unless_insecure_http_and_then_warned() -> None:
    with pytest.raises(ReconcilerError, match=r"unencrypted to testsigma\.corp"):
        checked_api_url("http://testsigma.corp/api/v1")
    _, warnings = checked_api_url("http://testsigma.corp/api/v1", insecure_http=True)
    assert warnings and "--insecure-http" in warnings[0]


@pytest.mark.parametrize("userinfo", ["ci:p%40ss%2Fw0rd", "ci", ":secretpw"])
def test_userinfo_in_the_url_is_refused_without_echoing_it(userinfo: str) -> None:
    with pytest.raises(ReconcilerError, match="user name or password") as info:
        checked_api_url(f"https://{userinfo}@app.testsigma.com/api/v1", insecure_http=True)
    password = userinfo.partition(":")[2]
    if password:
        assert password not in info.value.message
        assert urllib.parse.unquote(password) not in info.value.message


@pytest.mark.parametrize(
    "url", ["ftp://h/api", "app.testsigma.com/api/v1", "https://", "http://h:x/"]
)
def test_a_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ReconcilerError):
        checked_api_url(url)


def test_redaction_covers_escaped_url_encoded_and_base64_forms() -> None:
    secret = "tsk_live_REDACT/+=?_7c1d2e3f"
    checked_key(secret, source="test")
    for form in (
        secret,
        repr(secret + "\n"),
        urllib.parse.quote(secret, safe=""),
        base64.b64encode(("Bearer " + secret).encode()).decode(),
        base64.b64encode(("x" + secret).encode()).decode(),
    ):
        assert "REDACT" not in redact(f"before {form} after")


def test_the_deadline_is_enforced_inside_socket_reads_of_every_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deadline hooks into httpx's connection pools; an upgrade that moves them fails here."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    client = TestsigmaClient(base_url="https://h.example/api/v1", api_key=KEY)
    try:
        assert client.hard_deadline
        http = client._http
        pools = [t._pool for t in [http._transport, *http._mounts.values()] if t is not None]
        assert pools and all(isinstance(t, httpx.HTTPTransport) for t in [http._transport])
        assert all(type(p._network_backend).__name__ == "_Backend" for p in pools)
    finally:
        client.close()


def test_a_ca_bundle_that_is_not_pem_is_one_clear_error(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(ReconcilerError, match="not a readable bundle of PEM certificates"):
        TestsigmaClient(base_url="https://h.example/api/v1", api_key=KEY, ca_bundle=str(bundle))
