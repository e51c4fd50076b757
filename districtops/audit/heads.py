"""The audit chain's signed head, kept where the database cannot rewrite it.

A head is one JSON line ``{"v", "seq", "hash", "time", "host", "mac"}``: the newest row's
number and hash when it was written, signed with HMAC-SM3 under the audit key. It goes

- to ``AUDIT_HEAD_DIR/heads-<host>.jsonl``: opened in append mode, one ``write()`` per line
  (atomic for a short line on a local file system, so several worker processes can share
  the file), then ``fsync``;
- to syslog when ``AUDIT_HEAD_SYSLOG`` is set (``/dev/log``, ``host:port`` over UDP,
  ``tcp://host:port``), so a copy lands on a remote collector at once.

``verify-audit`` reads the lines back (files, or a collector's log: anything from the
first ``{`` of a line on) and requires the table to reach every head with the same hash.
Someone who can rewrite the database can cut the rows written since the last head, and
nothing before it; docs/operations.md says how long that window is.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from districtops.core.crypto import derived_key, keyed_digest

log = logging.getLogger("districtops.audit")

HEAD_VERSION = 1
_SIGNED = ("v", "seq", "hash", "time", "host")


def head_dir() -> Path:
    path = Path(settings.AUDIT_HEAD_DIR)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def _host() -> str:
    return socket.gethostname() or "localhost"


def head_mac(fields: dict) -> str:
    payload = json.dumps({k: fields[k] for k in _SIGNED}, sort_keys=True, separators=(",", ":"))
    return keyed_digest(derived_key("audit"), b"districtops:audit-head:" + payload.encode())


def make_head(seq: int, hash_: str, when: dt.datetime | None = None) -> dict:
    when = when or timezone.now()
    fields = {
        "v": HEAD_VERSION,
        "seq": int(seq),
        "hash": hash_,
        "time": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "host": _host(),
    }
    fields["mac"] = head_mac(fields)
    return fields


def current_tip() -> tuple[int, str]:
    """The newest (seq, hash) the table holds: the last row, else the newest anchor, else genesis."""
    from .chain import GENESIS
    from .models import AuditAnchor, AuditRecord

    last = AuditRecord.objects.order_by("-seq").values_list("seq", "hash").first()
    if last is None:
        last = AuditAnchor.objects.order_by("-last_seq").values_list("last_seq", "last_hash").first()
    return tuple(last) if last else (0, GENESIS)


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # make the new directory entry durable too
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


_syslog_handlers: dict[str, logging.Handler] = {}


def _syslog_handler(address: str) -> logging.Handler:
    handler = _syslog_handlers.get(address)
    if handler is None:
        socktype = socket.SOCK_DGRAM
        target: str | tuple[str, int]
        if address.startswith("/"):
            target = address
        else:
            if address.startswith("tcp://"):
                socktype = socket.SOCK_STREAM
            host, _, port = address.split("://", 1)[-1].rpartition(":")
            target = (host or "localhost", int(port or 514))
        handler = logging.handlers.SysLogHandler(address=target, socktype=socktype)
        handler.ident = "districtops-audit-head: "
        _syslog_handlers[address] = handler
    return handler


def _to_syslog(address: str, line: str) -> None:
    record = logging.LogRecord("districtops.audit.head", logging.INFO, __file__, 0, line, None, None)
    handler = _syslog_handler(address)
    handler.acquire()
    try:
        # Not handler.emit(): it swallows send errors into logging's stderr printout, and a
        # head that did not leave must be logged as such by our caller.
        _emit_strict(handler, record)
    finally:
        handler.release()


def _emit_strict(handler: logging.handlers.SysLogHandler, record: logging.LogRecord) -> None:
    msg = handler.ident + handler.format(record) + "\000"
    prio = f"<{handler.encodePriority(handler.facility, handler.mapPriority(record.levelname))}>"
    data = (prio + msg).encode("utf-8")
    if handler.unixsocket:
        try:
            handler.socket.send(data)
        except OSError:
            handler.socket.close()
            handler._connect_unixsocket(handler.address)
            handler.socket.send(data)
    elif handler.socktype == socket.SOCK_DGRAM:
        handler.socket.sendto(data, handler.address)
    else:
        handler.socket.sendall(data)


def write_head(seq: int | None = None, hash_: str | None = None) -> dict:
    """Write the head (the table's current tip unless given) to the head file and syslog."""
    if seq is None or hash_ is None:
        seq, hash_ = current_tip()
    head = make_head(seq, hash_)
    line = json.dumps(head, sort_keys=True, separators=(",", ":")) + "\n"
    _append_line(head_dir() / f"heads-{head['host']}.jsonl", line)
    if settings.AUDIT_HEAD_SYSLOG:
        _to_syslog(settings.AUDIT_HEAD_SYSLOG, line.strip())
    return head


# --- the cheap head after writes ------------------------------------------------------------
_last_scheduled = -float("inf")
_last_written_seq: int | None = None


def schedule_after_commit() -> None:
    """Called by every append: at most once per AUDIT_HEAD_INTERVAL_SECONDS a process writes the
    head after the transaction commits (robust: a failed write is logged, the user's write stands)."""
    global _last_scheduled
    interval = settings.AUDIT_HEAD_INTERVAL_SECONDS
    if interval < 0:
        return
    now = time.monotonic()
    if now - _last_scheduled < interval:
        return
    _last_scheduled = now
    transaction.on_commit(_head_after_commit, robust=True)


def _head_after_commit() -> None:
    global _last_written_seq
    seq, hash_ = current_tip()  # committed state: a rolled-back append is never recorded
    if seq == _last_written_seq:
        return
    try:
        write_head(seq, hash_)
    except (OSError, ValueError) as exc:
        log.error("audit head not written (%s): the tail since the last head is unprotected", exc)
        return
    _last_written_seq = seq


def reset_throttle() -> None:
    global _last_scheduled, _last_written_seq
    _last_scheduled = -float("inf")
    _last_written_seq = None


# --- reading heads back ---------------------------------------------------------------------
@dataclass
class Head:
    seq: int
    hash: str
    time: str
    where: str  # "file:line"


@dataclass
class BadLine:
    where: str
    reason: str


def head_sources(extra: Iterable[str | Path] = ()) -> list[Path]:
    """The head files verify-audit reads: every ``*.jsonl`` in AUDIT_HEAD_DIR, plus ``extra``
    files or folders (an off-host copy, an export from the syslog collector)."""
    sources: list[Path] = []
    for base in [head_dir(), *[Path(p) for p in extra]]:
        if base.is_dir():
            sources.extend(sorted(base.glob("*.jsonl")))
        elif base.is_file():
            sources.append(base)
    return sources


def read_heads(sources: Iterable[Path]) -> Iterator[Head | BadLine]:
    """Each line of each source, streamed: a Head whose MAC holds, or a BadLine naming it."""
    for path in sources:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, raw in enumerate(fh, start=1):
                where = f"{path}:{number}"
                start = raw.find("{")
                if start < 0:
                    if raw.strip():
                        yield BadLine(where, "not a head line")
                    continue
                try:
                    fields = json.loads(raw[start:].rstrip("\x00\r\n "))
                    mac = fields["mac"]
                    expected = head_mac(fields)
                    seq = int(fields["seq"])
                except (ValueError, KeyError, TypeError):
                    yield BadLine(where, "unreadable head line")
                    continue
                if not isinstance(mac, str) or not _equal(mac, expected):
                    yield BadLine(where, "head MAC invalid (the line was edited or not written by us)")
                    continue
                yield Head(seq, str(fields["hash"]), str(fields["time"]), where)


def _equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())
