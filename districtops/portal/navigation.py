"""The module menu. Each entry: label, url name, and which roles see it (None: everyone signed in)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from districtops.gate.permissions import scope_of
from districtops.org.roles import ADMIN_ROLES, Role

BUSINESS = frozenset(Role.values) - ADMIN_ROLES

MENU = [
    # (label, url name, roles that see it) — in the order of the platform's mission
    (_("首页"), "portal:home", None),
    (_("领导驾驶舱"), "cockpit:home", frozenset({Role.LEADER, Role.SUPERVISOR})),
    (_("项目"), "projects:construction_list", BUSINESS),
    (_("督查督办"), "supervision:todo", BUSINESS),
    (_("督导考核"), "supervision:scheme_list", frozenset({Role.LEADER, Role.SUPERVISOR})),
    (_("群众反映"), "citizen:report_list", frozenset({Role.LEADER, Role.SUPERVISOR})),
    (_("双重预防"), "hazards:hazard_list", BUSINESS),
    (_("代表建议"), "deputies:suggestion_list", BUSINESS),
    (_("经济运行"), "economy:dashboard", BUSINESS),
    (_("组织机构"), "org:unit_tree", None),
    (_("人员"), "org:person_list", frozenset({Role.SYS_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.UNIT_HEAD})),
    (_("账号安全"), "accounts:security_accounts", frozenset({Role.SEC_ADMIN})),
    (_("审计日志"), "audit:record_list", frozenset({Role.AUDIT_ADMIN})),
    (_("后台任务"), "jobs:job_list", frozenset({Role.SYS_ADMIN})),
    (_("节假日"), "supervision:holiday_list", frozenset({Role.SYS_ADMIN})),
    (_("项目配置"), "projects:settings", frozenset({Role.SYS_ADMIN})),
    (_("合作系统密钥"), "citizen:partner_list", frozenset({Role.SYS_ADMIN})),
    (_("消息发送"), "delivery:failure_list", BUSINESS),
    (_("企业应用"), "delivery:corp_app_list", frozenset({Role.SYS_ADMIN})),
]


def menu_for(user) -> list[dict]:
    roles = {g.role for g in scope_of(user).grants}
    items = []
    for label, name, allowed in MENU:
        if allowed is not None and not (roles & allowed):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "name": name})
    return items
