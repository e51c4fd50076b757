"""The audit records list's filters: one definition for the page and the API (``gate.listing``).

Only the audit administrator reads the list (the view and the handler check the role); the
records have no scope rules, so the list starts from every record.
"""

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.utils.translation import gettext_lazy as _l
from ninja import FilterLookup
from pydantic import Field

from districtops.gate.listing import ListFilters

from .models import AuditRecord


class AuditFilters(ListFilters):
    model = AuditRecord
    labels = {
        "actor": _l("操作人"), "action": _l("操作"), "object_type": _l("对象类型"), "object_id": _l("对象 id"),
        "request_id": _l("请求编号"), "outcome": _l("结果"), "since": _l("起始日期"), "until": _l("截止日期"),
    }  # fmt: skip

    actor: str | None = Field(None, description="操作人用户名或姓名（部分）")
    action: Annotated[str | None, FilterLookup("action")] = Field(None, description="操作代码")
    object_type: Annotated[str | None, FilterLookup("object_type")] = Field(
        None, description="对象类型（app.model）"
    )
    object_id: Annotated[str | None, FilterLookup("object_id")] = Field(None, description="对象 id")
    request_id: Annotated[str | None, FilterLookup("request_id")] = Field(None, description="请求编号")
    outcome: Annotated[str | None, FilterLookup("outcome")] = Field(None, description="结果")
    since: dt.date | None = Field(None, description="起始日期 YYYY-MM-DD（含）")
    until: dt.date | None = Field(None, description="截止日期 YYYY-MM-DD（含）")

    def filter_actor(self, value) -> Q:
        """操作人 is typed as a username or as a person's name (docs/guide/auditadmin.md)."""
        from django.contrib.auth import get_user_model

        wanted = value.strip()
        named = get_user_model().objects.filter(display_name__icontains=wanted).values("pk")
        return Q(actor_username__icontains=wanted) | Q(actor_id__in=named)

    def base(self, user):
        return AuditRecord.objects.all()

    def filter_since(self, value) -> Q:
        return Q(created_at__date__gte=value)

    def filter_until(self, value) -> Q:
        return Q(created_at__date__lte=value)
