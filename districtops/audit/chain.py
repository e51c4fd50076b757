"""Writing and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from districtops.core import context, locks
from districtops.core.crypto import HASH_ALGORITHM, derived_key, keyed_digest

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


def row_hash(fields: dict) -> str:
    payload = json.dumps(
        {k: _canonical(fields[k]) for k in HASHED_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return keyed_digest(derived_key("audit"), payload.encode())


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
        return AuditRecord.objects.create(**fields)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first row whose content, link or number is wrong."""
    anchor = AuditAnchor.objects.order_by("-last_seq").values_list("last_seq", "last_hash").first()
    expected_seq, prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    checked = 0
    last_seq = expected_seq - 1
    while True:
        rows = list(
            AuditRecord.objects.filter(seq__gt=last_seq)
            .order_by("seq")
            .values(*HASHED_FIELDS, "hash")[:batch]
        )
        if not rows:
            return VerifyResult(True, checked)
        for row in rows:
            if row["seq"] != expected_seq:
                return VerifyResult(
                    False, checked, expected_seq, f"row #{expected_seq} is missing (next is #{row['seq']})"
                )
            if row["prev_hash"] != prev:
                return VerifyResult(
                    False, checked, row["seq"], f"row #{row['seq']} does not link to row #{row['seq'] - 1}"
                )
            if row_hash(row) != row["hash"]:
                return VerifyResult(
                    False, checked, row["seq"], f"row #{row['seq']} content does not match its hash"
                )
            prev = row["hash"]
            expected_seq += 1
            checked += 1
            last_seq = row["seq"]
