"""Who is acting, from where, under which request id — for the audit trail.

The middleware fills it for web requests; management commands and background jobs
open their own ``acting_context`` so their writes carry an id as well.
"""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_ip: str | None = None
    channel: str = "web"  # web | api | cli | job


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "districtops_request", default=None
)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        return RequestContext(request_id=f"sys-{uuid.uuid4().hex[:16]}", channel="system")
    return ctx


@contextmanager
def acting_context(channel: str, request_id: str | None = None, client_ip: str | None = None):
    token = _current.set(
        RequestContext(request_id or f"{channel}-{uuid.uuid4().hex[:16]}", client_ip, channel)
    )
    try:
        yield
    finally:
        _current.reset(token)


def set_for_request(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)
