"""Failed-login counting in the cache (Redis in production): per address, per network, per account there.

The per-account lock of 等保 (5 failures → 15 minutes) used to lock the account for everybody,
so anyone could lock anyone by typing a wrong password five times. Now:

- an account is locked **for the address the failures came from** (account × IP) at the
  policy's threshold, for the policy's minutes — its owner elsewhere still logs in;
- the account itself is locked for everyone only at ``LOGIN_GLOBAL_FACTOR`` × the threshold
  (default 4: 20 failures from any addresses in the window), the slower global lock;
- an address (``LOGIN_IP_LIMIT``, default 20 failures) or its network (/24 or /64,
  ``LOGIN_NET_LIMIT``, default 60) that fails too often in ``LOGIN_WINDOW_MINUTES`` is stopped
  for every account, which is what stops spraying one password over many accounts.

Counters live in the shared "throttle" cache (Redis in production, a file cache under var/
otherwise), so they hold across processes and restarts.
"""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import caches


class _Throttle:
    """The shared "throttle" cache (Redis with REDIS_URL, a file cache under var/ otherwise)."""

    def __getattr__(self, name):
        return getattr(caches["throttle"], name)


cache = _Throttle()


def _network(ip: str | None) -> str:
    if not ip:
        return "none"
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "invalid"
    prefix = 24 if addr.version == 4 else 64
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


def _name(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _keys(username: str, ip: str | None) -> dict[str, str]:
    return {
        "ip": f"login:ip:{ip or 'none'}",
        "net": f"login:net:{_network(ip)}",
        "pair": f"login:pair:{_name(username)}:{ip or 'none'}",
        "pair_lock": f"login:pairlock:{_name(username)}:{ip or 'none'}",
    }


def _window() -> int:
    return settings.LOGIN_WINDOW_MINUTES * 60


def _bump(key: str, ttl: int) -> int:
    if cache.add(key, 1, ttl):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1


def address_blocked(ip: str | None) -> bool:
    keys = _keys("", ip)
    return (cache.get(keys["ip"]) or 0) >= settings.LOGIN_IP_LIMIT or (
        cache.get(keys["net"]) or 0
    ) >= settings.LOGIN_NET_LIMIT


def pair_locked(username: str, ip: str | None) -> bool:
    return bool(cache.get(_keys(username, ip)["pair_lock"]))


def record_failure(username: str, ip: str | None, *, threshold: int, minutes: int) -> bool:
    """Count one failure; True when it locked the account for this address."""
    keys = _keys(username, ip)
    _bump(keys["ip"], _window())
    _bump(keys["net"], _window())
    if _bump(keys["pair"], minutes * 60) >= threshold:
        cache.set(keys["pair_lock"], 1, minutes * 60)
        cache.delete(keys["pair"])
        return True
    return False


def clear_pair(username: str, ip: str | None) -> None:
    keys = _keys(username, ip)
    cache.delete_many([keys["pair"], keys["pair_lock"]])
