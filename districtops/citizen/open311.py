"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) under /open311/v2/.

Jurisdiction = a district's division code (e.g. 410104). Responses in JSON or XML by the
extension of the path; errors are the spec's list of {code, description}. POST needs no
api_key from the public (throttled per client address, 429 when over); a partner's key
identifies the partner and lifts the limit; an unknown key is refused.
"""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from districtops.core import clock
from districtops.org.models import Unit, UnitKind
from districtops.supervision.states import MatterState

from . import services
from .models import Report, ReportStatus, ServiceCategory

MAX_RESULTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str):
        self.status, self.descriptions = status, descriptions or ("error",)


def _xml(root_name: str, item_name: str, items: list[dict]) -> bytes:
    root = ET.Element(root_name)
    for item in items:
        node = ET.SubElement(root, item_name)
        for key, value in item.items():
            child = ET.SubElement(node, key)
            if isinstance(value, list):
                for v in value:
                    ET.SubElement(child, "keyword" if key == "keywords" else "value").text = str(v)
            elif value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")


def respond(fmt: str, root: str, item: str, items: list[dict], status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_xml(root, item, items), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(items, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error_response(fmt: str, exc: Open311Error) -> HttpResponse:
    items = [{"code": exc.status, "description": d} for d in exc.descriptions]
    return respond(fmt, "errors", "error", items, status=exc.status)


def handles_errors(view):
    def wrapped(request, *args, fmt, **kwargs):
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error_response(fmt, exc)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


def jurisdiction(params) -> Unit:
    code = (params.get("jurisdiction_id") or "").strip()
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True)
    if not code:
        served = districts.filter(pk__in=ServiceCategory.objects.filter(is_active=True).values("district_id"))
        if served.count() == 1:
            return served.get()
        raise Open311Error(400, "jurisdiction_id is required (the district division code, e.g. 410104)")
    district = districts.filter(division_code=code).first()
    if district is None:
        raise Open311Error(404, f"jurisdiction_id {code} not found")
    return district


def service_dict(s: ServiceCategory) -> dict:
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.description,
        "metadata": False,
        "type": "realtime",
        "keywords": [k for k in s.keywords.replace("，", ",").split(",") if k.strip()],
        "group": s.group,
    }


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(clock.LOCAL_TZ).isoformat(timespec="seconds")
    return dt.datetime.combine(value, dt.time(18, 0), tzinfo=clock.LOCAL_TZ).isoformat()


def request_dict(r: Report) -> dict:
    matter = r.matter if r.matter_id else None
    return {
        "service_request_id": r.tracking_number,
        "status": "open" if r.public_open else "closed",
        "status_notes": r.public_notes,
        "service_name": r.service.name,
        "service_code": r.service.code,
        "description": r.description,
        "agency_responsible": matter.lead_unit.name if matter else "",
        "service_notice": "",
        "requested_datetime": _iso(r.requested_at),
        "updated_datetime": _iso(max(r.updated_at, matter.updated_at) if matter else r.updated_at),
        "expected_datetime": _iso(matter.deadline) if matter else None,
        "address": r.address,
        "address_id": None,
        "zipcode": None,
        "lat": float(r.lat) if r.lat is not None else None,
        "long": float(r.long) if r.long is not None else None,
        "media_url": r.media_url or None,
    }


def _reports(district):
    return Report.objects.filter(district=district).select_related("service", "matter", "matter__lead_unit")


@handles_errors
def services_list(request, fmt):
    """GET services.{json,xml}: the categories of the jurisdiction."""
    district = jurisdiction(request.GET)
    items = [service_dict(s) for s in ServiceCategory.objects.filter(district=district, is_active=True)]
    return respond(fmt, "services", "service", items)


@handles_errors
def service_definition(request, code, fmt):
    """GET services/{code}.{fmt}: no extra attributes are asked for (metadata is false)."""
    district = jurisdiction(request.GET)
    if not ServiceCategory.objects.filter(district=district, code=code, is_active=True).exists():
        raise Open311Error(404, f"service_code {code} not found")
    if fmt == "xml":
        root = ET.Element("service_definition")
        ET.SubElement(root, "service_code").text = code
        ET.SubElement(root, "attributes")
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return JsonResponse({"service_code": code, "attributes": []}, json_dumps_params={"ensure_ascii": False})


def _parse_datetime(value: str, name: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time, e.g. 2021-03-01T00:00:00+08:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.LOCAL_TZ)


def _closed_q() -> Q:
    return Q(status=ReportStatus.DECLINED) | Q(matter__state=MatterState.CLOSED)


@handles_errors
def requests_endpoint(request, fmt):
    """GET: query requests; POST: file one."""
    if request.method == "POST":
        return _post_request(request, fmt)
    if request.method != "GET":
        raise Open311Error(405, "method not allowed")
    district = jurisdiction(request.GET)
    reports = _reports(district)
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        reports = reports.filter(tracking_number__in=ids)
    else:
        end = (
            _parse_datetime(request.GET["end_date"], "end_date")
            if request.GET.get("end_date")
            else clock.now()
        )
        start = (
            _parse_datetime(request.GET["start_date"], "start_date")
            if request.GET.get("start_date")
            else end - dt.timedelta(days=DEFAULT_DAYS)
        )
        reports = reports.filter(requested_at__gte=start, requested_at__lte=end)
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            reports = reports.filter(service__code__in=codes)
        status = request.GET.get("status", "").strip()
        if status == "open":
            reports = reports.exclude(_closed_q())
        elif status == "closed":
            reports = reports.filter(_closed_q())
        elif status:
            raise Open311Error(400, "status must be open or closed")
    items = [request_dict(r) for r in reports.order_by("-requested_at")[:MAX_RESULTS]]
    return respond(fmt, "service_requests", "request", items)


@handles_errors
def request_detail(request, request_id, fmt):
    """GET requests/{id}.{fmt}: a list of one, as the spec says."""
    district = jurisdiction(request.GET)
    report = _reports(district).filter(tracking_number=request_id).first()
    if report is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return respond(fmt, "service_requests", "request", [request_dict(report)])


def client_address(request) -> str:
    # The same rule as the audit trail: behind the production proxy, X-Real-IP.
    from districtops.core.middleware import client_ip

    return client_ip(request) or "unknown"


def _post_request(request, fmt):
    data = request.POST
    partner = None
    api_key = data.get("api_key", "").strip()
    if api_key:
        partner = services.partner_for_key(api_key)
        if partner is None:
            raise Open311Error(403, "api_key not recognised")
    district = jurisdiction(data)
    if partner is not None and partner.district_id != district.pk:
        raise Open311Error(403, "api_key not valid for this jurisdiction_id")
    missing = []
    code = data.get("service_code", "").strip()
    if not code:
        missing.append("service_code is required")
    if (
        not (data.get("lat") and data.get("long"))
        and not data.get("address_string")
        and not data.get("address_id")
    ):
        missing.append("a location is required: lat and long, or address_string")
    if missing:
        raise Open311Error(400, *missing)
    service = ServiceCategory.objects.filter(district=district, code=code, is_active=True).first()
    if service is None:
        raise Open311Error(400, f"service_code {code} not found")
    if partner is None and not services.allow_post(client_address(request)):
        return error_response(fmt, Open311Error(429, "too many requests from this client; try again later"))
    name = " ".join(p for p in (data.get("first_name", ""), data.get("last_name", "")) if p).strip()
    try:
        report = services.file_report(
            service=service,
            description=data.get("description", ""),
            address=data.get("address_string", "") or data.get("address_id", ""),
            lat=data.get("lat"),
            long=data.get("long"),
            photo=request.FILES.get("media"),
            media_url=data.get("media_url", ""),
            contact_name=name,
            contact_email=data.get("email", ""),
            contact_phone=data.get("phone", ""),
            channel="open311",
            partner=partner,
        )
    except ValidationError as exc:
        raise Open311Error(
            400, *[f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
        ) from None
    item = {
        "service_request_id": report.tracking_number,
        "service_notice": "已受理。可凭查询编号查看办理情况。",
        "account_id": None,
    }
    return respond(fmt, "service_requests", "request", [item], status=201)
