"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) under /open311/v2/, with the
service discovery the spec requires at /open311/discovery.{json,xml} (https://wiki.open311.org/Service_Discovery).

Jurisdiction = a district's division code (e.g. 410104). Responses in JSON or XML by the
extension of the path; every error — a bad parameter, an unknown path or format, a method the
resource does not take — is the spec's list of {code, description} (``<errors><error>`` in XML).
POST needs no api_key from the public (throttled per client address, 429 when over); a partner's
key identifies the partner and lifts the limit; an unknown key is refused (403).
"""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from districtops.core import clock
from districtops.org.models import Unit, UnitKind
from districtops.supervision.states import MatterState

from . import services
from .models import Report, ReportStatus, ServiceCategory

MAX_RESULTS = 1000
DEFAULT_DAYS = 90
MAX_SPAN_DAYS = 90  # the spec: a start_date..end_date range "may not span more than 90 days"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# What each list's items are called in XML.
XML_ITEM = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str):
        self.status, self.descriptions = status, descriptions or (_("错误"),)


def _xml_value(parent: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(ET.SubElement(parent, key), inner)
    elif isinstance(value, list):
        for inner in value:
            _xml_value(ET.SubElement(parent, XML_ITEM.get(parent.tag, "item")), inner)
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    elif value is not None:
        parent.text = str(value)


def xml_document(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode").encode()


def _xml(root_name: str, item_name: str, items: list[dict]) -> bytes:
    root = ET.Element(root_name)
    for item in items:
        _xml_value(ET.SubElement(root, item_name), item)
    return xml_document(root)


def render(fmt: str, body, *, xml_root: str, status: int = 200) -> HttpResponse:
    """One document (a dict or a list) in the format asked for."""
    if fmt == "xml":
        root = ET.Element(xml_root)
        _xml_value(root, body)
        return HttpResponse(xml_document(root), status=status, content_type=CONTENT_TYPES["xml"])
    return JsonResponse(body, status=status, safe=False, content_type=CONTENT_TYPES["json"],
                        json_dumps_params={"ensure_ascii": False})  # fmt: skip


def respond(fmt: str, root: str, item: str, items: list[dict], status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_xml(root, item, items), status=status, content_type=CONTENT_TYPES["xml"])
    return render(fmt, items, xml_root=root, status=status)


def error_response(fmt: str, exc: Open311Error, headers: dict | None = None) -> HttpResponse:
    items = [{"code": exc.status, "description": d} for d in exc.descriptions]
    response = respond(fmt, "errors", "error", items, status=exc.status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def requested_format(request) -> str:
    """The format of a path that matched no resource: its extension when .json or .xml, else
    what the Accept header prefers, else XML (the format the spec requires of every server)."""
    last = request.path.rsplit("/", 1)[-1]
    extension = last.rsplit(".", 1)[-1].lower() if "." in last else ""
    if extension in CONTENT_TYPES:
        return extension
    accept = request.headers.get("Accept", "")
    return "json" if "json" in accept and "xml" not in accept.split(",")[0] else "xml"


def handles_errors(*methods: str):
    """The view answers ``methods`` (HEAD with GET) and turns Open311Error into the spec's list."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        def wrapped(request, *args, fmt, **kwargs):
            try:
                if request.method not in allowed:
                    raise Open311Error(
                        405,
                        _("不支持 %(method)s 方法，请使用 %(allowed)s")
                        % {"method": request.method, "allowed": ", ".join(methods)},
                    )
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                headers = {"Allow": ", ".join(sorted(allowed))} if exc.status == 405 else None
                return error_response(fmt, exc, headers)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return csrf_exempt(wrapped)

    return decorate


@csrf_exempt
def not_found(request, rest: str = ""):
    """Any other path under /open311/: an unknown resource, or a format other than json and xml."""
    fmt = requested_format(request)
    last = request.path.rsplit("/", 1)[-1]
    if "." in last and last.rsplit(".", 1)[-1].lower() not in CONTENT_TYPES:
        description = _("不支持 %(format)s 格式，请使用 .json 或 .xml") % {"format": last.rsplit(".", 1)[-1]}
    else:
        description = _("没有该资源：%(path)s") % {"path": request.path}
    return error_response(fmt, Open311Error(404, description))


def param(request, name: str) -> str:
    """A parameter from the form body (POST) or the query string: clients put jurisdiction_id and
    api_key in either."""
    value = request.POST.get(name) if request.method == "POST" else None
    return (value if value is not None else request.GET.get(name, "")).strip()


def jurisdiction(request) -> Unit:
    code = param(request, "jurisdiction_id")
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True)
    if not code:
        served = districts.filter(pk__in=ServiceCategory.objects.filter(is_active=True).values("district_id"))
        if served.count() == 1:
            return served.get()
        raise Open311Error(400, _("须提供 jurisdiction_id（区的行政区划代码，如 410104）"))
    district = districts.filter(division_code=code).first()
    if district is None:
        raise Open311Error(404, _("找不到 jurisdiction_id %(code)s") % {"code": code})
    return district


def keywords_text(raw: str) -> str:
    """The spec's keywords: one comma-separated string ("井盖, 路面"), whatever commas were typed."""
    return ", ".join(k.strip() for k in raw.replace("，", ",").replace("、", ",").split(",") if k.strip())


def service_dict(s: ServiceCategory) -> dict:
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.description,
        "metadata": False,
        "type": "realtime",
        "keywords": keywords_text(s.keywords),
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
        # Extensions (documented in docs/api.md): how many residents the request speaks for, and
        # for a merged duplicate the service_request_id of the request it joined.
        "residents_count": r.residents_count,
        "merged_into_service_request_id": r.merged_into.tracking_number if r.merged_into_id else None,
    }


def _reports(district):
    return Report.objects.filter(district=district).select_related(
        "service", "matter", "matter__lead_unit", "merged_into", "merged_into__matter",
        "merged_into__matter__lead_unit",
    )  # fmt: skip


def coordinate_system(request, partner=None) -> str:
    """The request's coordinate_system parameter, else the partner's setting, else WGS-84."""
    declared = param(request, "coordinate_system")
    if declared:
        return declared
    return partner.coordinate_system if partner is not None else "wgs84"


def _nearby(request, district, partner=None) -> list[dict]:
    """GET requests.json?lat=…&long=…&service_code=…: the open requests of that service within
    CITIZEN_DUPLICATE_RADIUS_M of the point (an extension: ask before filing a duplicate)."""
    codes = [c.strip() for c in param(request, "service_code").split(",") if c.strip()]
    if len(codes) != 1:
        raise Open311Error(400, _("按位置查询附近（lat 和 long）须且只能提供一个 service_code"))
    service = ServiceCategory.objects.filter(district=district, code=codes[0], is_active=True).first()
    if service is None:
        raise Open311Error(400, _("找不到 service_code %(code)s") % {"code": codes[0]})
    try:
        lat, long = services.to_wgs84(
            param(request, "lat"), param(request, "long"), coordinate_system(request)
        )
    except ValidationError as exc:
        raise Open311Error(400, *_messages(exc)) from None
    if lat is None:
        raise Open311Error(400, _("按位置查询附近须同时提供 lat 和 long"))
    found = services.nearby_open_reports(service, lat, long)
    items = []
    for report, distance in found:
        item = request_dict(report)
        item["distance_m"] = round(distance, 1)
        items.append(item)
    return items


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
    return list(exc.messages)


@handles_errors("GET")
def discovery(request, fmt):
    """GET discovery.{json,xml}: where the GeoReport v2 endpoint is, what it speaks, whom to ask.
    ``changeset`` moves whenever a service (category) is added or changed."""
    latest = ServiceCategory.objects.aggregate(latest=Max("updated_at"))["latest"]
    changeset = _iso(latest or clock.now())
    body = {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", "")
        or _("请联系本区政务服务数据管理部门（平台系统管理员）。"),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or _(
            "公众提交无需 api_key。合作系统（如 12345 热线）的 api_key 由本区系统管理员在平台“合作系统密钥”页签发。"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": changeset,
                "type": "production" if getattr(settings, "PRODUCTION", False) else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, body, xml_root="discovery")


@handles_errors("GET")
def services_list(request, fmt):
    """GET services.{json,xml}: the categories of the jurisdiction."""
    district = jurisdiction(request)
    items = [service_dict(s) for s in ServiceCategory.objects.filter(district=district, is_active=True)]
    return respond(fmt, "services", "service", items)


@handles_errors("GET")
def service_definition(request, code, fmt):
    """GET services/{code}.{fmt}: no extra attributes are asked for (metadata is false)."""
    district = jurisdiction(request)
    if not ServiceCategory.objects.filter(district=district, code=code, is_active=True).exists():
        raise Open311Error(404, _("找不到 service_code %(code)s") % {"code": code})
    return render(fmt, {"service_code": code, "attributes": []}, xml_root="service_definition")


def _parse_datetime(value: str, name: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, _("%(name)s 须为 W3C 日期时间，如 2021-03-01T00:00:00+08:00") % {"name": name}
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.LOCAL_TZ)


def _closed_q() -> Q:
    return Q(status=ReportStatus.DECLINED) | Q(matter__state=MatterState.CLOSED)


def _date_range(request) -> tuple[dt.datetime, dt.datetime]:
    start_text, end_text = param(request, "start_date"), param(request, "end_date")
    start = _parse_datetime(start_text, "start_date") if start_text else None
    end = _parse_datetime(end_text, "end_date") if end_text else None
    if end is None:
        end = start + dt.timedelta(days=DEFAULT_DAYS) if start else clock.now()
    if start is None:
        start = end - dt.timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date"))
    if end - start > dt.timedelta(days=MAX_SPAN_DAYS):
        raise Open311Error(400, _("start_date 到 end_date 不能超过 %(days)d 天") % {"days": MAX_SPAN_DAYS})
    return start, end


@handles_errors("GET", "POST")
def requests_endpoint(request, fmt):
    """GET: query requests; POST: file one."""
    if request.method == "POST":
        return _post_request(request, fmt)
    district = jurisdiction(request)
    if param(request, "lat") or param(request, "long"):
        return respond(fmt, "service_requests", "request", _nearby(request, district))
    reports = _reports(district)
    ids = [i.strip() for i in param(request, "service_request_id").split(",") if i.strip()]
    if ids:  # the spec: service_request_id overrides every other parameter
        reports = reports.filter(tracking_number__in=ids)
    else:
        start, end = _date_range(request)
        reports = reports.filter(requested_at__gte=start, requested_at__lte=end)
        codes = [c.strip() for c in param(request, "service_code").split(",") if c.strip()]
        if codes:
            reports = reports.filter(service__code__in=codes)
        statuses = {s.strip() for s in param(request, "status").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status 须为 open 或 closed（或两者，用逗号分隔）"))
        if statuses == {"open"}:
            reports = reports.exclude(_closed_q())
        elif statuses == {"closed"}:
            reports = reports.filter(_closed_q())
    items = [request_dict(r) for r in reports.order_by("-requested_at")[:MAX_RESULTS]]
    return respond(fmt, "service_requests", "request", items)


@handles_errors("GET")
def request_detail(request, request_id, fmt):
    """GET requests/{id}.{fmt}: a list of one, as the spec says."""
    district = jurisdiction(request)
    report = _reports(district).filter(tracking_number=request_id).first()
    if report is None:
        raise Open311Error(404, _("找不到 service_request_id %(id)s") % {"id": request_id})
    return respond(fmt, "service_requests", "request", [request_dict(report)])


@handles_errors("GET")
def token_detail(request, token, fmt):
    """GET tokens/{token}.{fmt}: the service_request_id a token stands for. Requests are created
    at once (POST answers the service_request_id itself), so the only tokens are those ids."""
    district = jurisdiction(request)
    if not Report.objects.filter(district=district, tracking_number=token).exists():
        raise Open311Error(404, _("找不到 token %(token)s") % {"token": token})
    return respond(fmt, "service_requests", "request", [{"service_request_id": token, "token": token}])


def client_address(request) -> str:
    # The same rule as the audit trail: behind the production proxy, X-Real-IP.
    from districtops.core.middleware import client_ip

    return client_ip(request) or "unknown"


def _post_request(request, fmt):
    data = request.POST
    partner = None
    api_key = param(request, "api_key")
    if api_key:
        partner = services.partner_for_key(api_key)
        if partner is None:
            raise Open311Error(403, _("api_key 无效"))
    district = jurisdiction(request)
    if partner is not None and partner.district_id != district.pk:
        raise Open311Error(403, _("该 api_key 不适用于此 jurisdiction_id"))
    if param(request, "join_request_id"):
        return _join_request(request, fmt, district, partner)
    missing = []
    code = data.get("service_code", "").strip()
    if not code:
        missing.append(_("须提供 service_code"))
    if (
        not (data.get("lat") and data.get("long"))
        and not data.get("address_string")
        and not data.get("address_id")
    ):
        missing.append(_("须提供位置：lat 和 long，或 address_string"))
    if missing:
        raise Open311Error(400, *missing)
    service = ServiceCategory.objects.filter(district=district, code=code, is_active=True).first()
    if service is None:
        raise Open311Error(400, f"service_code {code} not found")
    if partner is None and not services.allow_post(client_address(request)):
        return error_response(fmt, Open311Error(429, _("该客户端请求过多，请稍后再试")))
    name = _name(data)
    system = coordinate_system(request, partner)
    try:
        lat, long = services.to_wgs84(data.get("lat"), data.get("long"), system)
    except ValidationError:
        lat = long = None  # file_report answers the error in full
    duplicates = [r.tracking_number for r, _d in services.nearby_open_reports(service, lat, long)]
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
            coordinate_system=system,
        )
    except ValidationError as exc:
        raise Open311Error(400, *_messages(exc)) from None
    item = {
        "service_request_id": report.tracking_number,
        "service_notice": "已受理。可凭查询编号查看办理情况。",
        "account_id": None,
    }
    if duplicates:  # extension: open requests of the same service nearby it may duplicate
        item["nearby_service_request_ids"] = ",".join(duplicates)
    return respond(fmt, "service_requests", "request", [item], status=201)


def _name(data) -> str:
    return " ".join(p for p in (data.get("first_name", ""), data.get("last_name", "")) if p).strip()


def _join_request(request, fmt, district, partner):
    """POST requests.json with join_request_id=…: 我也遇到 — the resident adds themself to that
    open request instead of filing a new one (an extension; 201 with that request's id)."""
    request_id = param(request, "join_request_id")
    report = Report.objects.filter(district=district, tracking_number=request_id).first()
    if report is None:
        raise Open311Error(404, _("找不到 join_request_id %(id)s") % {"id": request_id})
    if partner is None and not services.allow_post(client_address(request)):
        return error_response(fmt, Open311Error(429, _("该客户端请求过多，请稍后再试")))
    data = request.POST
    try:
        services.join_report(
            report,
            contact_name=_name(data),
            contact_email=data.get("email", ""),
            contact_phone=data.get("phone", ""),
            channel="open311",
            partner=partner,
        )
    except ValidationError as exc:
        raise Open311Error(400, *_messages(exc)) from None
    report.refresh_from_db(fields=["also_count"])
    item = {
        "service_request_id": report.tracking_number,
        "service_notice": f"已记录“我也遇到”，该问题现有 {report.residents_count} 位群众反映。",
        "account_id": None,
        "residents_count": report.residents_count,
    }
    return respond(fmt, "service_requests", "request", [item], status=201)
