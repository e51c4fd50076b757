"""Writes for residents' reports: filing (public, no account), 我也遇到 on a nearby open report,
merging a duplicate into its original, triage into a matter, decline."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction

from districtops.core import clock
from districtops.core.uploads import validate_upload
from districtops.gate import permissions, services
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import Role
from districtops.supervision import services as supervision
from districtops.supervision.models import Source

from . import geo
from .models import PartnerClient, Report, ReportStatus, ReportSupporter, ServiceCategory

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


def duplicate_radius_m() -> float:
    """How near (metres) an open report of the same service must be to be offered as the same problem."""
    return float(getattr(settings, "CITIZEN_DUPLICATE_RADIUS_M", 50))


def web_coordinate_system() -> str:
    """What the public page's coordinates are in. GCJ-02 by default: the system a Chinese map
    picker (AMap, Tencent) hands back."""
    return getattr(settings, "CITIZEN_WEB_COORDINATE_SYSTEM", geo.GCJ02)


def to_wgs84(lat, long, coordinate_system: str = geo.WGS84) -> tuple[Decimal | None, Decimal | None]:
    """Validate a point declared in ``coordinate_system`` and return it in WGS-84 (the one system
    reports are stored in), rounded to 6 decimals (≈ 0.1 m)."""
    system = (coordinate_system or geo.WGS84).strip().lower().replace("-", "").replace("_", "")
    if system not in geo.SYSTEMS:
        raise ValidationError({"coordinate_system": "坐标系应为 wgs84 或 gcj02。"})
    lat, long = _coordinate(lat, "lat", 90), _coordinate(long, "long", 180)
    if (lat is None) != (long is None):
        raise ValidationError({"long" if long is None else "lat": "经纬度须同时填写。"})
    if lat is None or system == geo.WGS84:
        return lat, long
    if geo.out_of_china(float(lat), float(long)):
        raise ValidationError(
            {"lat": "GCJ-02（国内地图）坐标只在中国境内有定义：该点不在境内，请确认坐标系或经纬度是否填反。"}
        )
    w_lat, w_long = geo.gcj02_to_wgs84(float(lat), float(long))
    q = Decimal("0.000001")
    return Decimal(repr(w_lat)).quantize(q), Decimal(repr(w_long)).quantize(q)


def open_reports():
    """Reports a resident can still join: received or assigned, not merged, matter not closed."""
    from districtops.supervision.states import MatterState

    return Report.objects.filter(status__in=[ReportStatus.RECEIVED, ReportStatus.ASSIGNED]).exclude(
        matter__state=MatterState.CLOSED
    )


def nearby_open_reports(
    service: ServiceCategory, lat, long, *, radius_m: float | None = None, limit: int = 10
) -> list[tuple[Report, float]]:
    """Open reports of ``service`` within ``radius_m`` of a WGS-84 point, nearest first, with their
    distance in metres. A bounding box on the (service, lat, long) index picks the few
    candidates; the exact haversine distance decides."""
    if lat is None or long is None:
        return []
    radius = duplicate_radius_m() if radius_m is None else float(radius_m)
    lat_f, long_f = float(lat), float(long)
    min_lat, max_lat, min_long, max_long = geo.bounding_box(lat_f, long_f, radius)
    q = Decimal("0.000001")
    candidates = (
        open_reports()
        .filter(
            service=service,
            lat__gte=Decimal(repr(min_lat)).quantize(q),
            lat__lte=Decimal(repr(max_lat)).quantize(q),
            long__gte=Decimal(repr(min_long)).quantize(q),
            long__lte=Decimal(repr(max_long)).quantize(q),
        )
        .select_related("service", "matter", "matter__lead_unit")[:500]
    )
    found = []
    for report in candidates:
        distance = geo.haversine_m(lat_f, long_f, float(report.lat), float(report.long))
        if distance <= radius:
            found.append((report, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


def join_report(
    report: Report,
    *,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    channel: str = "web",
    partner: PartnerClient | None = None,
) -> ReportSupporter:
    """我也遇到: a resident adds themself to an open report instead of filing a new one. The
    report's count goes up by one; the contact is kept privately for the office. Audited."""
    with transaction.atomic():
        current = Report.objects.select_for_update(of=("self",)).select_related("matter").get(pk=report.pk)
        if current.status == ReportStatus.MERGED:
            raise ValidationError(
                f"该反映已并入 #{current.merged_into.tracking_number}，请在原反映上点“我也遇到”。"
            )
        if current.status == ReportStatus.DECLINED or not current.public_open:
            raise ValidationError("该反映已办结或不予立案，请另行提交新的反映。")
        supporter = ReportSupporter(
            report=current,
            contact_name=(contact_name or "").strip(),
            contact_email=(contact_email or "").strip(),
            contact_phone=(contact_phone or "").strip(),
            channel=channel,
            partner=partner,
        )
        services.create_object(None, supporter, message=f"channel={channel}")
        services.update_object(
            None,
            current,
            {"also_count": current.also_count + 1},
            expected_version=current.version,
            action="manage",
            audit_action="report.also",
            message=f"我也遇到（{channel}）",
        )
    return supporter


def merge_report(actor, report: Report, *, into: Report) -> Report:
    """Staff merge a duplicate into its original: the duplicate points to the original, its
    public status says which one it joined (that is how its reporter, who has no account, is
    told), and its count (its reporter and its 我也遇到) adds to the original's. Reports
    already merged into the duplicate follow it to the original. All or nothing."""
    if report.pk == into.pk:
        raise ValidationError("不能将反映并入其自身。")
    with transaction.atomic():
        locked = {
            r.pk: r
            for r in Report.objects.select_for_update(of=("self",))
            .filter(pk__in=[report.pk, into.pk])
            .order_by("pk")
            .select_related("service", "merged_into", "matter")
        }
        current, target = locked[report.pk], locked[into.pk]
        if actor is not None:
            permissions.require(actor, "manage", current)
            permissions.require(actor, "manage", target)
        if current.district_id != target.district_id:
            raise ValidationError("不能跨区并入：两条反映属于不同的区。")
        if current.service_id != target.service_id:
            raise ValidationError(
                f"只能并入同一类别的反映：本条为“{current.service.name}”，目标为“{target.service.name}”。"
            )
        if current.status == ReportStatus.MERGED:
            raise ValidationError(f"该反映已并入 #{current.merged_into.tracking_number}，不能再次并入。")
        if target.status == ReportStatus.MERGED:
            raise ValidationError(
                f"目标反映已并入 #{target.merged_into.tracking_number}，请改为并入 #{target.merged_into.tracking_number}。"
            )
        if current.status != ReportStatus.RECEIVED:
            raise ValidationError("该反映已分办或已不予立案，不能并入其他反映。")
        if target.status == ReportStatus.DECLINED or not target.public_open:
            raise ValidationError("目标反映已办结或不予立案，不能并入。")
        now = clock.now()
        moved = current.also_count + 1
        merged = services.update_object(
            actor,
            current,
            {"status": ReportStatus.MERGED, "merged_into": target, "merged_at": now, "triaged_at": now},
            expected_version=current.version,
            action="manage",
            audit_action="report.merge",
            message=f"并入 #{target.tracking_number}",
        )
        for child in Report.objects.select_for_update().filter(merged_into=current).order_by("pk"):
            services.update_object(
                actor,
                child,
                {"merged_into": target},
                expected_version=child.version,
                action="manage",
                audit_action="report.merge",
                message=f"随 #{current.tracking_number} 并入 #{target.tracking_number}",
            )
        services.update_object(
            actor,
            target,
            {"also_count": target.also_count + moved},
            expected_version=target.version,
            action="manage",
            audit_action="report.merge_into",
            message=f"#{current.tracking_number} 并入，人数 +{moved}",
        )
    return merged


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
    coordinate_system: str = geo.WGS84,
) -> Report:
    """A resident files a report (no account): checked, stored, answered with a tracking number.
    ``lat``/``long`` are in ``coordinate_system`` and stored in WGS-84."""
    errors = {}
    if not service.is_active:
        errors["service_code"] = "该类别已停用。"
    if not (description or "").strip():
        errors["description"] = "请描述问题。"
    try:
        lat, long = to_wgs84(lat, long, coordinate_system)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        lat = long = None
    if not (address or "").strip() and lat is None and not {"lat", "long"} & errors.keys():
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
