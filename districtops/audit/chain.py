"""Writing and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from districtops.core import context, locks
from districtops.core.crypto import HASH_ALGORITHM, derived_key, keyed_digest

from . import heads
from .models import AuditAnchor, AuditRecord

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq", "created_at", "actor_id", "actor_username", "actor_unit", "request_id", "client_ip", "channel",
    "action", "outcome", "object_type", "object_id", "object_repr", "before", "after", "message", "algorithm",
    "prev_hash",
)  # fmt: skip


def _canonical(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def row_hash(fields: dict, key: bytes | None = None) -> str:
    payload = json.dumps(
        {k: _canonical(fields[k]) for k in HASHED_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return keyed_digest(key or derived_key("audit"), payload.encode())


ANCHOR_FIELDS = ("last_seq", "last_hash", "purged_count", "purged_at", "purge_seq")


def anchor_mac(fields: dict) -> str:
    """HMAC-SM3 (the audit key) over an anchor's fields; a hand-made anchor cannot carry it."""
    payload = json.dumps(
        {k: _canonical(fields[k]) for k in ANCHOR_FIELDS}, sort_keys=True, separators=(",", ":")
    )
    return keyed_digest(derived_key("audit"), b"districtops:audit-anchor:" + payload.encode())


def purge_record_content(anchor: dict) -> dict:
    """What the purge record's ``after`` repeats of its anchor (hashed into the chain)."""
    return {
        "last_seq": anchor["last_seq"],
        "last_hash": anchor["last_hash"],
        "purged_count": anchor["purged_count"],
        "purged_at": _canonical(anchor["purged_at"]),
    }


def _purge_record_matches(anchor: dict, row: dict | None) -> bool:
    if row is None or row["action"] != "purge":
        return False
    if row["after"] is None:  # written before anchors were signed (migration 0002 signed those)
        return row["message"] == f"purged {anchor['purged_count']} rows up to #{anchor['last_seq']}"
    return row["after"] == purge_record_content(anchor)


def _actor_fields(actor) -> dict:
    if actor is None:
        return {"actor_id": None, "actor_username": "system", "actor_unit": ""}
    unit = getattr(actor, "_audit_unit_name", None)
    if unit is None and getattr(actor, "pk", None):
        membership = actor.memberships.select_related("unit").order_by("id").first()
        unit = membership.unit.name if membership else ""
        actor._audit_unit_name = unit
    return {"actor_id": actor.pk, "actor_username": actor.get_username(), "actor_unit": unit}


def append(
    actor,
    action: str,
    *,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before=None,
    after=None,
    message: str = "",
    outcome: str = "success",
    actor_fields: dict | None = None,
) -> AuditRecord:
    """Append one record. Call inside the writing transaction (services do)."""
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    # No savepoint: the record lives or dies with the caller's transaction (two queries saved).
    with transaction.atomic(savepoint=False):
        locks.serialise("audit.chain")
        last = AuditRecord.objects.order_by("-seq").values_list("seq", "hash").first()
        if last is None:
            anchor = AuditAnchor.objects.order_by("-last_seq").values_list("last_seq", "last_hash").first()
            last = anchor or (0, GENESIS)
        fields = {
            **(actor_fields or _actor_fields(actor)),
            "seq": last[0] + 1,
            "created_at": timezone.now(),
            "request_id": ctx.request_id,
            "client_ip": ctx.client_ip or "",
            "channel": ctx.channel,
            "action": action,
            "outcome": outcome,
            "object_type": object_type,
            "object_id": str(object_id),
            "object_repr": str(object_repr)[:200],
            "before": before,
            "after": after,
            "message": message,
            "algorithm": f"hmac-{HASH_ALGORITHM}",
            "prev_hash": last[1],
        }
        fields["hash"] = row_hash(fields)
        record = AuditRecord.objects.create(**fields)
    heads.schedule_after_commit()
    return record


def append_many(actor, entries: Iterable[dict]) -> list[AuditRecord]:
    """Append one record per entry (``append``'s keyword arguments: action, obj, before, after,
    message …) in one go: one lock, one read of the chain's tip, one bulk insert. The records and
    their hashes are exactly those a loop of ``append`` would write; a bulk import of thousands
    of objects audits each of them without thousands of round trips. Call inside the writing
    transaction."""
    entries = list(entries)
    if not entries:
        return []
    ctx = context.current()
    actor_fields = _actor_fields(actor)
    with transaction.atomic(savepoint=False):
        locks.serialise("audit.chain")
        last = AuditRecord.objects.order_by("-seq").values_list("seq", "hash").first()
        if last is None:
            anchor = AuditAnchor.objects.order_by("-last_seq").values_list("last_seq", "last_hash").first()
            last = anchor or (0, GENESIS)
        seq, prev = last
        now = timezone.now()
        records = []
        for entry in entries:
            obj = entry.get("obj")
            seq += 1
            fields = {
                **actor_fields,
                "seq": seq,
                "created_at": now,
                "request_id": ctx.request_id,
                "client_ip": ctx.client_ip or "",
                "channel": ctx.channel,
                "action": entry["action"],
                "outcome": entry.get("outcome", "success"),
                "object_type": entry.get("object_type") or (obj._meta.label_lower if obj is not None else ""),
                "object_id": str(entry.get("object_id") or (obj.pk if obj is not None else "")),
                "object_repr": str(entry.get("object_repr") or (str(obj) if obj is not None else ""))[:200],
                "before": entry.get("before"),
                "after": entry.get("after"),
                "message": entry.get("message", ""),
                "algorithm": f"hmac-{HASH_ALGORITHM}",
                "prev_hash": prev,
            }
            fields["hash"] = prev = row_hash(fields)
            records.append(AuditRecord(**fields))
        AuditRecord.objects.bulk_create(records, batch_size=500)
    heads.schedule_after_commit()
    return records


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tip_seq: int = 0
    head_seq: int | None = None
    head_time: str = ""
    heads_read: int = 0


class _Findings:
    def __init__(self):
        self.problems: list[str] = []
        self.first_seq: int | None = None

    def add(self, message: str, seq: int | None = None) -> None:
        self.problems.append(message)
        if seq is not None and self.first_seq is None:
            self.first_seq = seq


def _check_anchors(found: _Findings) -> tuple[list[dict], tuple[int, str]]:
    """Every anchor must carry our MAC; the chain starts after the newest signed one."""
    signed = []
    for anchor in AuditAnchor.objects.order_by("last_seq").values("id", *ANCHOR_FIELDS, "mac"):
        label = f"anchor id={anchor['id']} (after #{anchor['last_seq']})"
        if not anchor["mac"]:
            found.add(f"{label} is not signed: an anchor must come from purge-audit")
        elif not heads._equal(anchor["mac"], anchor_mac(anchor)):
            found.add(f"{label} MAC invalid: forged or edited")
        else:
            signed.append(anchor)
    start = (signed[-1]["last_seq"], signed[-1]["last_hash"]) if signed else (0, GENESIS)
    return signed, start


def _walk(start: tuple[int, str], batch: int, found: _Findings) -> tuple[int, tuple[int, str], bool]:
    """Stream the rows after ``start`` in seq order (keyset batches): (checked, tip, intact)."""
    key = derived_key("audit")
    expected_seq, prev = start[0] + 1, start[1]
    tip = start
    checked = 0
    while True:
        rows = list(
            AuditRecord.objects.filter(seq__gt=tip[0]).order_by("seq").values(*HASHED_FIELDS, "hash")[:batch]
        )
        if not rows:
            return checked, tip, True
        for row in rows:
            seq = row["seq"]
            if seq != expected_seq:
                if expected_seq == 1 and start[0] == 0:
                    found.add(
                        f"rows #1 to #{seq - 1} are missing (the chain starts at #{seq} with no signed anchor)",
                        1,
                    )
                else:
                    found.add(
                        f"row #{expected_seq} is missing (next is #{seq}): rows #{expected_seq} to #{seq - 1} are gone",
                        expected_seq,
                    )
                return checked, tip, False
            if row["prev_hash"] != prev:
                found.add(f"row #{seq} does not link to row #{seq - 1}", seq)
                return checked, tip, False
            if row_hash(row, key) != row["hash"]:
                found.add(f"row #{seq} content does not match its hash", seq)
                return checked, tip, False
            prev = row["hash"]
            tip = (seq, prev)
            expected_seq += 1
            checked += 1


def _check_purge_records(signed: list[dict], start: tuple[int, str], found: _Findings) -> None:
    for anchor in signed:
        if anchor["purge_seq"] is not None and anchor["purge_seq"] <= start[0]:
            continue  # its purge record was itself purged later, behind a newer signed anchor
        row = None
        if anchor["purge_seq"] is not None:
            row = (
                AuditRecord.objects.filter(seq=anchor["purge_seq"])
                .values("action", "after", "message")
                .first()
            )
        if not _purge_record_matches(anchor, row):
            found.add(
                f"anchor id={anchor['id']} (after #{anchor['last_seq']}) has no matching purge record"
                f" (expected at #{anchor['purge_seq']})"
            )


def _check_heads(
    sources: list[Path], start: tuple[int, str], tip: tuple[int, str], intact: bool, found: _Findings, result
) -> None:
    """Every head must be in the table with the same hash; the table must reach the newest."""
    newest = None
    mismatches = 0
    pending: list[heads.Head] = []

    def compare(chunk):
        nonlocal mismatches
        stored = dict(AuditRecord.objects.filter(seq__in=[h.seq for h in chunk]).values_list("seq", "hash"))
        for head in chunk:
            if stored.get(head.seq) != head.hash:
                mismatches += 1
                if mismatches == 1:
                    found.add(
                        f"row #{head.seq} differs from the head recorded at {head.time} ({head.where}):"
                        " the chain was cut and rewritten from there",
                        head.seq,
                    )

    for item in heads.read_heads(sources):
        if isinstance(item, heads.BadLine):
            found.add(f"{item.reason}: {item.where}")
            continue
        result.heads_read += 1
        if newest is None or item.seq > newest.seq:
            newest = item
        if item.seq < start[0]:
            continue  # behind the signed anchor: purged on purpose
        if item.seq == start[0]:
            if item.hash != start[1]:
                mismatches += 1
                found.add(f"head #{item.seq} ({item.where}) does not match the chain's start", item.seq)
            continue
        if item.seq > tip[0]:
            continue  # reported once below, from the newest head
        pending.append(item)
        if len(pending) >= 500:
            compare(pending)
            pending = []
    if pending:
        compare(pending)
    if mismatches > 1:
        found.add(f"{mismatches} heads in all do not match the table")
    if newest is not None:
        result.head_seq, result.head_time = newest.seq, newest.time
        if intact and newest.seq > tip[0]:
            if tip[0] == 0:
                what = f"the audit table is empty but head #{newest.seq} was recorded at {newest.time}"
            else:
                what = f"missing tail: rows #{tip[0] + 1} to #{newest.seq} are gone"
            found.add(f"{what} (newest head: {newest.where}, recorded at {newest.time})", tip[0] + 1)


def verify(batch: int = 5000, head_paths: Iterable[str | Path] = ()) -> VerifyResult:
    """Check the whole trail: signed anchors and their purge records, every row's content, link
    and number (streamed in seq order), and the table against every head recorded outside it
    (AUDIT_HEAD_DIR plus ``head_paths``). Names the first broken row, a missing tail, a forged
    anchor or an edited head line."""
    found = _Findings()
    signed, start = _check_anchors(found)
    checked, tip, intact = _walk(start, batch, found)
    _check_purge_records(signed, start, found)
    result = VerifyResult(ok=False, checked=checked, tip_seq=tip[0])
    _check_heads(heads.head_sources(head_paths), start, tip, intact, found, result)
    if result.heads_read == 0 and not found.problems:
        result.notes.append(
            "no head recorded yet: a cut tail cannot be detected until one is (districtops audit-head)"
        )
    result.ok = not found.problems
    result.problems = found.problems
    result.first_broken_seq = found.first_seq
    result.reason = "; ".join(found.problems)
    return result
