"""Writes for residents' reports: filing (public, no account), triage into a matter, decline."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction

from districtops.core import clock, permissions, services
from districtops.core.uploads import validate_upload
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import Role
from districtops.supervision import services as supervision
from districtops.supervision.models import Source

from .models import PartnerClient, Report, ReportStatus, ServiceCategory

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRTUWXY346789"  # no look-alikes (0/O, 1/I, 5/S, 2/Z)
PHOTO_MAX_BYTES = 5 * 1024 * 1024


def posts_per_hour() -> int:
    return getattr(settings, "CITIZEN_POSTS_PER_HOUR", 10)


def allow_post(client_key: str) -> bool:
    """Fixed one-hour window per client (IP address). True while the client is under its limit.

    Counted in the "throttle" cache (Redis in production), so the limit holds across worker
    processes and restarts."""
    cache = caches["throttle"]
    window = int(clock.now().timestamp() // 3600)
    key = f"citizen:posts:{client_key}:{window}"
    cache.add(key, 0, timeout=3700)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3700)
        count = 1
    return count <= posts_per_hour()


def partner_for_key(api_key: str) -> PartnerClient | None:
    if not api_key:
        return None
    return PartnerClient.objects.filter(key_digest=PartnerClient.digest(api_key), is_active=True).first()


def _tracking_number() -> str:
    suffix = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(6))
    return f"R{clock.today():%y%m%d}-{suffix}"


def _coordinate(value, field: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise ValidationError({field: f"{field} 应为数字。"}) from None
    if not number.is_finite():  # NaN, Infinity: comparisons would raise
        raise ValidationError({field: f"{field} 应为数字。"})
    if not -bound <= number <= bound:
        raise ValidationError({field: f"{field} 超出范围（±{bound}）。"})
    return number


def file_report(
    *,
    service: ServiceCategory,
    description: str,
    address: str = "",
    lat=None,
    long=None,
    photo=None,
    media_url: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    channel: str = "web",
    partner: PartnerClient | None = None,
) -> Report:
    """A resident files a report (no account): checked, stored, answered with a tracking number."""
    errors = {}
    if not service.is_active:
        errors["service_code"] = "该类别已停用。"
    if not (description or "").strip():
        errors["description"] = "请描述问题。"
    lat, long = _coordinate(lat, "lat", 90), _coordinate(long, "long", 180)
    if (lat is None) != (long is None):
        errors["long" if long is None else "lat"] = "经纬度须同时填写。"
    if not (address or "").strip() and lat is None:
        errors["address_string"] = "请填写地点（地址或经纬度）。"
    if errors:
        raise ValidationError(errors)
    if photo is not None:
        validate_upload(photo, kinds=("image",), max_bytes=PHOTO_MAX_BYTES, field="media")
    report = Report(
        tracking_number=_tracking_number(),
        district_id=service.district_id,
        service=service,
        description=description.strip(),
        address=(address or "").strip(),
        lat=lat,
        long=long,
        media_url=media_url or "",
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        channel=channel,
        partner=partner,
        requested_at=clock.now(),
    )
    if photo is not None:
        report.photo = photo
    with transaction.atomic():
        services.create_object(None, report, message=f"channel={channel}")
    return report


def triage_to_matter(
    actor,
    report: Report,
    *,
    lead_unit: Unit,
    supporting_units=(),
    deadline: dt.date | None = None,
    working_days: int | None = None,
    title: str = "",
) -> Report:
    """The supervision office turns a report into a matter for ``lead_unit``."""
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk)
        if actor is not None:
            permissions.require(actor, "manage", current)
        if current.status != ReportStatus.RECEIVED:
            raise ValidationError("该反映已分办或已不予立案。")
        if lead_unit.district_id != current.district_id:
            raise ValidationError({"lead_unit": "承办单位必须属于反映所在的区。"})
        matter = supervision.assign_matter(
            actor,
            title=(title or f"{current.service.name}：{current.description[:60]}").strip()[:200],
            source=Source.REPORT,
            basis=f"群众反映 {current.tracking_number}（{current.address}）：{current.description}",
            lead_unit=lead_unit,
            supporting_units=supporting_units,
            deadline=deadline,
            working_days=working_days,
        )
        return services.update_object(
            actor,
            current,
            {"status": ReportStatus.ASSIGNED, "matter": matter, "triaged_at": clock.now()},
            expected_version=current.version,
            action="manage",
            audit_action="report.triage",
        )


def decline_report(actor, report: Report, *, reason: str) -> Report:
    """不予立案, with a reason the resident sees on the status page and through Open311."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写不予立案的理由（反映人可见）。"})
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk)
        if current.status != ReportStatus.RECEIVED:
            raise ValidationError("该反映已分办或已不予立案。")
        return services.update_object(
            actor,
            current,
            {"status": ReportStatus.DECLINED, "decline_reason": reason, "triaged_at": clock.now()},
            expected_version=current.version,
            action="manage",
            audit_action="report.decline",
        )


def issue_partner_key(actor, *, name: str, district: Unit) -> tuple[PartnerClient, str]:
    """A key for a partner system (e.g. the 12345 hotline): returned once, only its SHA-256 stored.

    Issued by a system administrator of the district (三员分立: an integration credential is
    system configuration, not business and not a person's account). ``actor=None`` is the system.
    """
    name = (name or "").strip()
    if actor is not None:
        permissions.require_role(actor, Role.SYS_ADMIN)
        permissions.require(actor, "manage", district)
    if not name:
        raise ValidationError({"name": "请填写合作系统的名称。"})
    if district.kind != UnitKind.DISTRICT:
        raise ValidationError({"district": "密钥须发给一个区（Open311 的 jurisdiction）。"})
    if PartnerClient.objects.filter(district=district, name=name, is_active=True).exists():
        raise ValidationError({"name": "该区已有同名的有效密钥；请先吊销旧密钥或换一个名称。"})
    key = secrets.token_urlsafe(32)
    client = PartnerClient(
        name=name,
        district=district,
        key_digest=PartnerClient.digest(key),
        key_prefix=key[:8],
        created_by=actor,
    )
    services.create_object(actor, client, scope_action="manage" if actor is not None else "view")
    return client, key


def revoke_partner_key(actor, client: PartnerClient) -> PartnerClient:
    """Revoke a partner key: Open311 refuses it (403) from now on. Kept for the reports it filed."""
    with transaction.atomic():
        current = PartnerClient.objects.select_for_update().get(pk=client.pk)
        if actor is not None:
            permissions.require_role(actor, Role.SYS_ADMIN)
        if not current.is_active:
            raise ValidationError("该密钥已吊销。")
        return services.update_object(
            actor,
            current,
            {"is_active": False, "revoked_at": clock.now(), "revoked_by": actor},
            expected_version=None,
            action="manage",
            audit_action="partner.revoke",
        )


def ensure_service(
    district: Unit, code: str, name: str, description: str = "", group: str = ""
) -> ServiceCategory:
    """Demo/setup helper: the category, created once (as the system)."""
    existing = ServiceCategory.objects.filter(district=district, code=code).first()
    if existing:
        return existing
    return services.create_object(
        None, ServiceCategory(district=district, code=code, name=name, description=description, group=group)
    )
