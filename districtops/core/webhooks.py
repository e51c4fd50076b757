"""Group-robot webhooks (DingTalk, WeCom): the one validator and the one sender of the platform.

A webhook URL is typed by a unit head or a leader and then called by the daily job from inside
the server's network, so it is a way to make the server send requests: it must be ``https`` to a
public host. Refused: loopback, link-local (cloud metadata at 169.254.169.254), private and
shared ranges, multicast, reserved and unspecified addresses — given as an IP literal or as a
name that resolves to one. Checked when the URL is saved (``validate_webhook_url``) and again
at every send (``post_json``), which connects to the very address it checked (so a name that
resolves to a public address at save time and to 127.0.0.1 later — DNS rebinding — is refused,
and the check cannot be raced between resolving and connecting). No redirect is followed.

Tests run a fake DingTalk/WeCom server on loopback: ``WEBHOOK_TEST_HOSTS`` (``"127.0.0.1:8123"``)
names the host:port pairs that may then be called over plain http. It is honoured only when
``PRODUCTION`` is off, and nothing in settings.py sets it — only a test does.

The URL itself is a credential (WeCom's ``key=``, DingTalk's ``access_token=``): forms and APIs
show ``mask_url`` and ``mask_secret`` only, and replace the stored value only when a new one is
typed.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import urllib.parse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MASK = "••••"


class UnsafeWebhook(OSError):
    """The URL points at a host the server must not call (raised at send time)."""


class RobotRefused(OSError):
    """The service answered HTTP 200 with a non-zero ``errcode``: it received the message and
    refused it (a wrong signature, an unknown key, a rate limit …)."""

    def __init__(self, errcode, errmsg: str = "", reply: dict | None = None):
        super().__init__(f"robot refused: errcode={errcode} {errmsg}".strip())
        self.errcode, self.errmsg, self.reply = errcode, errmsg or "", reply or {}


def _test_host(parts: urllib.parse.SplitResult) -> bool:
    """Is this the fake server of a test (WEBHOOK_TEST_HOSTS, never in production)?"""
    if getattr(settings, "PRODUCTION", False):
        return False
    allowed = getattr(settings, "WEBHOOK_TEST_HOSTS", ())
    return bool(allowed) and f"{parts.hostname}:{parts.port}" in allowed


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (a seam for tests)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _parts(url: str) -> urllib.parse.SplitResult | None:
    try:
        parts = urllib.parse.urlsplit((url or "").strip())
        parts.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError:
        return None
    return parts


def _refusal(url: str) -> str | None:
    """Why ``url`` may not be called before resolving its name, or None."""
    parts = _parts(url)
    if parts is None or not parts.hostname:
        return _("Webhook 地址格式无效。")
    if _test_host(parts) and parts.scheme in ("http", "https"):
        return None
    if parts.scheme != "https":
        return _("Webhook 地址须以 https:// 开头。")
    if parts.username or parts.password:
        return _("Webhook 地址不得包含用户名或密码。")
    host = parts.hostname
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return _("Webhook 地址须指向公网主机，不得为本机或内网地址。")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not is_public_address(str(literal)):
        return _("Webhook 地址须指向公网主机，不得为本机或内网地址。")
    return None


def _check_resolved(host: str, port: int, *, unresolvable_ok: bool) -> list[str]:
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        if unresolvable_ok:
            return []
        raise UnsafeWebhook(_("无法解析 Webhook 主机 %(host)s。") % {"host": host}) from None
    if not addresses and not unresolvable_ok:
        raise UnsafeWebhook(_("无法解析 Webhook 主机 %(host)s。") % {"host": host})
    if any(not is_public_address(a) for a in addresses):
        raise UnsafeWebhook(_("Webhook 主机 %(host)s 解析到本机或内网地址，已拒绝。") % {"host": host})
    return addresses


def validate_webhook_url(url: str, field: str = "webhook_url") -> str:
    """The stripped URL if it may be saved, else ValidationError naming ``field``.

    A name that does not resolve from here (an offline test machine) is accepted: the send
    re-checks it anyway. A name that resolves to a non-public address is refused now.
    """
    url = (url or "").strip()
    reason = _refusal(url)
    if reason is None:
        parts = _parts(url)
        try:
            if not _test_host(parts):
                _check_resolved(parts.hostname, parts.port or 443, unresolvable_ok=True)
        except UnsafeWebhook as exc:
            reason = str(exc)
    if reason is not None:
        raise ValidationError({field: reason})
    return url


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate verified for the URL's host name."""

    def __init__(self, host, address, port, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def call_json(
    method: str, url: str, payload: dict | bytes | None = None, timeout: float | None = None
) -> dict:
    """GET or POST JSON to a checked host and return its JSON answer as it came, ``errcode`` and
    all. Raises OSError (UnsafeWebhook for a refused host) on a transport failure or an HTTP
    status other than 200; reading ``errcode`` is the caller's business."""
    reason = _refusal(url)
    if reason is not None:
        raise UnsafeWebhook(reason)
    parts = _parts(url)
    timeout = timeout if timeout is not None else getattr(settings, "WEBHOOK_TIMEOUT", 5)
    if _test_host(parts):
        connection_class = (
            http.client.HTTPConnection if parts.scheme == "http" else http.client.HTTPSConnection
        )
        connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    else:
        port = parts.port or 443
        addresses = _check_resolved(parts.hostname, port, unresolvable_ok=False)
        connection = _PinnedHTTPSConnection(parts.hostname, addresses[0], port, timeout)
    body = None
    if payload is not None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = {"Content-Type": "application/json"} if body is not None else {}
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(1024 * 1024)
    finally:
        connection.close()
    if response.status != 200:
        raise OSError(f"HTTP {response.status}")
    try:
        reply = json.loads(raw or b"{}")
    except ValueError:
        reply = {}
    return reply if isinstance(reply, dict) else {}


def post_json(url: str, payload: dict | bytes, timeout: float | None = None) -> dict:
    """POST JSON to a robot webhook and return its JSON answer. Raises OSError (UnsafeWebhook for
    a refused host) on any failure, and RobotRefused on a non-zero ``errcode`` (both robots
    answer HTTP 200 with {"errcode": …} when they refuse a message)."""
    reply = call_json("POST", url, payload, timeout)
    if reply.get("errcode", 0) not in (0, "0"):
        raise RobotRefused(reply.get("errcode"), str(reply.get("errmsg", "")), reply)
    return reply


def mask_secret(value: str) -> str:
    """A stored secret as a form or API may show it: that one is set, never what it is."""
    return MASK if value else ""


def mask_url(url: str) -> str:
    """A webhook URL with its credentials hidden: scheme, host and path, each query value masked
    but for its last 4 characters (enough to tell two robots apart)."""
    parts = _parts(url or "")
    if not url or parts is None or not parts.hostname:
        return MASK if url else ""
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    masked = "&".join(f"{k}={MASK}{v[-4:] if len(v) > 8 else ''}" for k, v in query)
    path = parts.path or ""
    return f"{parts.scheme}://{parts.hostname}{path}" + (f"?{masked}" if masked else "")
