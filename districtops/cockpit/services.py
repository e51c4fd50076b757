"""The leaders' cockpit: one summary of a district, used by the page, the API and the briefing.

``district_summary(user, district, period)`` returns a JSON-able dict of sections; each
section is a list of figures (label, value, the text shown, a light, the URL of the list
behind it) and tables. The page, the big screen, ``/api/v1/cockpit/{code}``, the monthly
briefing and the weekly subscription all render this one dict, so they cannot disagree.

Each section comes from a small function ``(ctx) -> dict | None`` listed in ``SECTIONS``.
They read the modules' models through the permission gate (``restrict(user, "view")``)
with a fixed number of queries each, whatever the size of the district.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404

from districtops.core import clock, crypto, webhooks
from districtops.gate import permissions
from districtops.gate.services import create_object, delete_object, update_object
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import OVERSIGHT_ROLES

from .figures import Context, Month
from .models import BriefingSettings, Channel, IssuedBriefing, Subscription
from .sections import SECTIONS, statistics_period

CACHE_SECONDS = 60


# --- who may see which district -------------------------------------------------------


def districts_for(user):
    """Districts whose cockpit the person may open: where they hold leadership or supervision."""
    districts = permissions.scope_of(user).districts_with(OVERSIGHT_ROLES)
    qs = Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True).order_by("sort_order", "division_code")
    if districts == permissions.ALL:
        return qs
    return qs.filter(pk__in=districts)


def resolve_district(user, code: str) -> Unit:
    """The district with that division code if the person may see its cockpit, else 404."""
    district = districts_for(user).filter(division_code=code).first()
    if district is None:
        raise Http404("no such district in your scope")
    return district


def district_summary(
    user,
    district: Unit,
    period: Month | None = None,
    *,
    compute_forecasts=False,
    pending_forecasts: list | None = None,
) -> dict:
    """Every figure of the cockpit for ``district`` (checked with ``resolve_district`` by callers).

    ``period`` is the reporting month for flows (closed this month, the economy's
    cumulative month); states (open, overdue) are as of today. Default: this month.
    Year-end forecasts take seconds to fit: only ``compute_forecasts`` fits them here;
    otherwise the ones already fitted are shown and the missing ones are added to
    ``pending_forecasts`` (the briefing fits them in another process, see ``yearend.Fitting``).
    """
    today, now = clock.today(), clock.now()
    ctx = Context(
        user=user,
        district=district,
        period=period or Month.of(today),
        today=today,
        compute_forecasts=compute_forecasts,
        pending_forecasts=pending_forecasts,
        statistics=statistics_period(district, period),
    )
    sections = [s for s in (fn(ctx) for fn in SECTIONS) if s]
    for section in sections:
        section.setdefault("charts", [])
    stats = ctx.statistics
    return {
        "district": {"id": district.pk, "code": district.division_code, "name": district.name},
        "period": str(ctx.period),
        "period_label": ctx.period.label,
        # THE statistics period of every economic figure and chart (sections.statistics_period).
        "statistics_period": f"{stats.year:04d}-{stats.month:02d}" if stats else "",
        "statistics_period_label": stats.label if stats else "",
        "today": today.isoformat(),
        "pinned": clock.is_pinned(),
        "as_of": now.isoformat(timespec="seconds"),
        "as_of_text": f"{now:%Y-%m-%d %H:%M}",
        "sections": sections,
        "warnings": [w for s in sections for w in s.get("warnings", [])],
    }


def cached_summary(user, district: Unit, period: Month | None = None) -> dict:
    """The summary, reused for ``CACHE_SECONDS`` per person (its "as of" says when it was computed).

    Keyed by the person because the figures are what *their* scope lets them see.
    """
    key = f"cockpit:{user.pk}:{district.pk}:{period or ''}:{clock.today()}"
    summary = cache.get(key)
    if summary is None:
        summary = district_summary(user, district, period)
        cache.set(key, summary, CACHE_SECONDS)
    return summary


def charts_of(summary: dict) -> dict:
    """Every chart of the summary by key (what the page's script draws)."""
    return {c["key"]: c for section in summary["sections"] for c in section.get("charts", [])}


def forecast_table(user, district: Unit, period: Month | None = None) -> dict | None:
    """The 全年预测 table with every forecast fitted (seconds each when not in the economy's cache)."""
    summary = district_summary(user, district, period, compute_forecasts=True)
    economy = next((s for s in summary["sections"] if s["key"] == "economy"), None)
    return next((t for t in economy["tables"] if t["key"] == "forecast"), None) if economy else None


# Figures of the big screen, in this order (the others stay on the cockpit page).
SCREEN_FIGURES = (
    "matters_overdue",
    "matters_listed",
    "nodes_overdue",
    "nodes_at_risk",
    "hazards_major_open",
    "hazards_overdue",
)


def screen_of(summary: dict) -> dict:
    """What the big screen shows, from the summary: the economy's growth figures, the alarm
    counts, every warning (the screen rotates them) and the charts."""
    economy = next((s for s in summary["sections"] if s["key"] == "economy"), None)
    by_key = {f["key"]: f for f in all_figures(summary)}
    return {
        "district": summary["district"],
        "period_label": summary["period_label"],
        "statistics_period_label": summary["statistics_period_label"],
        "as_of_text": summary["as_of_text"],
        "economy": economy["figures"] if economy else [],
        "alarms": [by_key[k] for k in SCREEN_FIGURES if k in by_key],
        "warnings": summary["warnings"],
        "charts": charts_of(summary),
    }


def all_figures(summary: dict) -> list[dict]:
    return [f for section in summary["sections"] for f in section["figures"]]


# --- subscriptions ----------------------------------------------------------------------


def _validate_target(channel: str, target: str) -> None:
    if channel == Channel.EMAIL:
        try:
            validate_email(target)
        except ValidationError:
            raise ValidationError({"target": "请填写有效的电子邮件地址。"}) from None
    elif channel in (Channel.DINGTALK, Channel.WECOM):
        webhooks.validate_webhook_url(target, "target")
    else:
        raise ValidationError({"channel": f"不支持的渠道“{channel}”。"})


def create_subscription(
    actor, *, district: Unit, channel: str, target: str, secret: str = "", weekday: int = 0, subscriber=None
) -> Subscription:
    """Subscribe a person (``actor`` themself; the system may name ``subscriber``) to the weekly
    summary of a district whose cockpit that person may open."""
    subscriber = subscriber if actor is None else actor
    if subscriber is None or not districts_for(subscriber).filter(pk=district.pk).exists():
        raise PermissionDenied("无权订阅该区周报")
    target = target.strip()
    _validate_target(channel, target)
    if secret and channel != Channel.DINGTALK:
        raise ValidationError({"secret": "只有钉钉群机器人使用加签密钥。"})
    subscription = Subscription(
        user=subscriber,
        district=district,
        channel=channel,
        target=target,
        weekday=weekday,
        secret_encrypted=crypto.sm4_encrypt(secret) if secret else "",
    )
    return create_object(actor, subscription, message="订阅周报")


def delete_subscription(actor, subscription: Subscription) -> None:
    """A person cancels their own subscription (the delivery history goes with it)."""
    if subscription.user_id != getattr(actor, "pk", None):
        raise PermissionDenied("只能取消本人的订阅")
    delete_object(actor, subscription, action="manage", message="取消周报订阅")


# --- the monthly briefing's heading and register ----------------------------------------


def default_settings(district) -> BriefingSettings:
    """What a district without its own row uses (unsaved): its name, 人民政府办公室, a 代字
    from the first character of its short name or name (管 → 管政办通)."""
    short = (district.short_name or district.name)[:1]
    office = f"{district.name}人民政府办公室"
    return BriefingSettings(
        district=district,
        sign=f"{office}/经济运行与重点工作通报",
        issuer=office,
        number_prefix=f"{short}政办通",
        recipients="各街道办事处、乡人民政府，区人民政府各部门",
        copy_to="区委办公室，区人大常委会办公室，区政协办公室",
        printer=office,
    )


def settings_for(district) -> BriefingSettings:
    return BriefingSettings.objects.filter(district=district).first() or default_settings(district)


def doc_number(prefix: str, year: int, number: int) -> str:
    """发文字号 (GB/T 9704 §7.2.5): 代字〔年份〕序号号 — the full year in 六角括号, no 第, no leading zero."""
    return f"{prefix}〔{year}〕{number}号"


BRIEFING_SETTING_FIELDS = (
    "sign", "issuer", "number_prefix", "recipients", "copy_to", "printer", "classification", "copy_numbered",
)  # fmt: skip


def update_briefing_settings(
    actor, district: Unit, changes: dict, *, expected_version=None
) -> BriefingSettings:
    """Set how the district's briefing is headed and signed (its row is made on first change).
    Only someone who may open the district's cockpit may do it (the system may always)."""
    if actor is not None and not districts_for(actor).filter(pk=district.pk).exists():
        raise PermissionDenied("无权设置该区月度通报")
    unknown = set(changes) - set(BRIEFING_SETTING_FIELDS)
    if unknown:
        raise ValidationError({key: "不可设置的字段。" for key in sorted(unknown)})
    current = BriefingSettings.objects.filter(district=district).first()
    if current is None:
        row = default_settings(district)
        for key, value in changes.items():
            setattr(row, key, value)
        return create_object(actor, row, message="设置月度通报版头")
    return update_object(
        actor, current, changes, expected_version=expected_version, message="设置月度通报版头"
    )


def issue_briefing(actor, district: Unit, period, *, title: str, job=None) -> IssuedBriefing:
    """Enter a briefing in the register with the next 发文字号 of the district and year
    (管政办通〔2021〕3号): numbers are never reused; two briefings issued at the same moment
    get consecutive numbers (the unique constraint decides, the loser takes the next)."""
    settings = settings_for(district)
    issued_on = clock.today()
    for _attempt in range(5):
        register = IssuedBriefing.objects.filter(district=district)
        number = (register.filter(year=issued_on.year).aggregate(m=Max("number"))["m"] or 0) + 1
        copy = f"{register.count() + 1:06d}" if settings.copy_numbered else ""
        row = IssuedBriefing(
            district=district,
            year=issued_on.year,
            number=number,
            doc_number=doc_number(settings.number_prefix, issued_on.year, number),
            copy_number=copy,
            period=str(period),
            title=title,
            issued_on=issued_on,
            job=job,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                return create_object(actor, row, message="月度通报编号登记")
        except (IntegrityError, ValidationError) as exc:
            if (
                isinstance(exc, ValidationError)
                and not IssuedBriefing.objects.filter(
                    district=district, year=issued_on.year, number=number
                ).exists()
            ):
                raise
    raise IntegrityError("could not allocate a briefing number after 5 attempts")


def issued_briefings(user, district: Unit, limit: int = 12):
    """The district's register as the person may see it, newest first."""
    qs = IssuedBriefing.objects.all() if user is None else IssuedBriefing.objects.restrict(user, "view")
    return qs.filter(district=district).select_related("job", "created_by")[:limit]
