"""The 管城回族区 demo organisation (docs/domain.md §1) and the demo accounts.

Idempotent: units are found by division code or by (parent, name) before anything is
created, people by username. Every write goes through the org services as the system.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import services
from .models import Membership, Unit, UnitKind
from .roles import Role

DEMO_PASSWORD = "Demo@2021"

PEER_DISTRICTS = [
    ("410102", "中原区"), ("410103", "二七区"), ("410104", "管城回族区"),
    ("410105", "金水区"), ("410106", "上街区"), ("410108", "惠济区"),
]  # fmt: skip

GUANCHENG_STREETS = [
    ("410104001", "北下街街道"), ("410104002", "西大街街道"), ("410104003", "南关街街道"),
    ("410104004", "城东路街道"), ("410104005", "东大街街道"), ("410104006", "二里岗街道"),
    ("410104007", "陇海马路街道"), ("410104008", "紫荆山南路街道"), ("410104009", "航海东路街道"),
    ("410104010", "十八里河街道"), ("410104011", "南曹街道"), ("410104012", "金岱街道"),
    ("410104202", "圃田乡"), ("410104570", "商都路街道"),
]  # fmt: skip

DEPARTMENTS = [
    "发改委",
    "工信局",
    "商务局",
    "城建局",
    "财政局",
    "统计局",
    "应急管理局",
    "住房保障中心",
    "房管局",
    "城管局",
    "自然资源局",
    "生态环境分局",
    "市场监管局",
    "教育局",
    "卫健委",
]
COMMAND_POSTS = ["城市道路改造指挥部", "老旧小区改造指挥部", "城中村改造指挥部", "城市精细化管理指挥部"]
OFFICES = ["双改办", "两办督查室"]

DEMO_ACCOUNTS = [
    # username, name, unit name, role, title
    ("leader", "王区长（示例）", "区委区政府", Role.LEADER, "区长"),
    ("supervisor", "李督查（示例）", "两办督查室", Role.SUPERVISOR, "督查专员"),
    ("nanguan", "赵南关（示例）", "南关街街道", Role.UNIT_STAFF, "办事员"),
    ("beixiajie", "钱北下（示例）", "北下街街道", Role.UNIT_STAFF, "办事员"),
    ("chengjian", "孙城建（示例）", "城建局", Role.UNIT_HEAD, "局长"),
    ("tongji", "周统计（示例）", "统计局", Role.STATISTICIAN, "统计员"),
    ("sysadmin", "吴系统（示例）", "管城回族区", Role.SYS_ADMIN, "系统管理员"),
    ("secadmin", "郑安全（示例）", "管城回族区", Role.SEC_ADMIN, "安全管理员"),
    ("auditadmin", "冯审计（示例）", "管城回族区", Role.AUDIT_ADMIN, "审计管理员"),
]


def ensure_unit(name, kind, parent, code="", sort_order=0) -> Unit:
    existing = Unit.objects.filter(division_code=code).first() if code else None
    if existing is None:
        existing = Unit.objects.filter(parent=parent, name=name).first()
    if existing is not None:
        return existing
    return services.create_unit(
        None, name=name, kind=kind, parent=parent, division_code=code, sort_order=sort_order
    )


def ensure_person(username, display_name, unit, role, title="", password=DEMO_PASSWORD, must_change=False):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user, _ = services.create_person(
            None,
            username=username,
            display_name=display_name,
            unit=unit,
            role=role,
            title=title,
            password=password,
            check_password_policy=False,
        )
        # Demo accounts are shared and documented; they skip the first-login change.
        User.objects.filter(pk=user.pk).update(
            must_change_password=must_change, password_changed_at=timezone.now()
        )
    elif not Membership.objects.filter(user=user, unit=unit, role=role).exists():
        services.add_membership(None, person=user, unit=unit, role=role, title=title)
    return user


def build_district(district: Unit, streets, *, departments=DEPARTMENTS, full=True) -> dict[str, Unit]:
    units = {district.name: district}
    units["区委区政府"] = ensure_unit("区委区政府", UnitKind.LEADERSHIP, district, sort_order=1)
    for i, name in enumerate(departments):
        units[name] = ensure_unit(name, UnitKind.DEPARTMENT, district, sort_order=10 + i)
    for i, (code, name) in enumerate(streets):
        units[name] = ensure_unit(name, UnitKind.SUBDISTRICT, district, code=code, sort_order=100 + i)
    if full:
        for i, name in enumerate(COMMAND_POSTS):
            units[name] = ensure_unit(name, UnitKind.COMMAND_POST, district, sort_order=200 + i)
        for i, name in enumerate(OFFICES):
            units[name] = ensure_unit(name, UnitKind.OFFICE, district, sort_order=300 + i)
        units["区人大常委会"] = ensure_unit("区人大常委会", UnitKind.CONGRESS, district, sort_order=400)
        units["管城经济开发区（示例）"] = ensure_unit(
            "管城经济开发区（示例）", UnitKind.PARK, district, sort_order=500
        )
    return units


def load() -> dict:
    city = ensure_unit("郑州市", UnitKind.CITY, None, code="410100")
    districts = {}
    for i, (code, name) in enumerate(PEER_DISTRICTS):
        districts[code] = ensure_unit(name, UnitKind.DISTRICT, city, code=code, sort_order=i)
    units = build_district(districts["410104"], GUANCHENG_STREETS)
    # Peer districts: leadership and the statistics bureau (their published indicators live there).
    for code, district in districts.items():
        if code != "410104":
            build_district(district, [], departments=["统计局"], full=False)
    for username, display, unit_name, role, title in DEMO_ACCOUNTS:
        ensure_person(username, display, units[unit_name], role, title)
    return {"city": city, "districts": districts, "units": units}
