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
from django.http import Http404

from districtops.core import clock, crypto, permissions, webhooks
from districtops.core.services import create_object, delete_object
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import OVERSIGHT_ROLES

from .figures import Context, Month, statistics_period
from .models import Channel, Subscription
from .sections import SECTIONS

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
    ``pending_forecasts`` (the briefing fits them in another process, see ``forecasts.Fitting``).
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
        # THE statistics period of every economic figure and chart (figures.statistics_period).
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
