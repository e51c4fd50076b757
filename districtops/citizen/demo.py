"""Demo: the report categories of 管城 and a handful of residents' reports in each status."""

from django.contrib.auth import get_user_model

from districtops.org.models import Unit
from districtops.supervision import services as supervision

from . import services
from .models import Report

CATEGORIES = [
    ("road", "道路破损", "路面坑洼、井盖缺失或破损", "市政"),
    ("garbage", "垃圾堆积", "生活垃圾、建筑垃圾未及时清运", "环卫"),
    ("streetlight", "路灯不亮", "路灯、景观灯损坏", "市政"),
    ("parking", "违法停车", "占用消防通道、人行道停车", "交通"),
    ("noise", "噪声扰民", "施工、经营噪声", "环境"),
    ("stall", "占道经营", "流动摊贩、出店经营", "城管"),
]
REPORTS = [  # (category, text, place, what happened; "hotline" = posted by the 12345 hotline's system)
    ("road", "管城街与南大街交叉口东北角井盖缺失，夜间很危险。", "管城街与南大街交叉口", "triage_closed"),
    ("garbage", "城东路 66 号院门口建筑垃圾堆放一周无人清运。", "城东路 66 号", "triage_open"),
    ("streetlight", "紫荆山南路航海路口向南 200 米路灯连续 5 盏不亮。", "紫荆山南路航海路口", "received"),
    ("noise", "小区楼下商户晚上 11 点后仍大声播放音乐。", "南关街某小区", "hotline"),
    ("parking", "希望在我家门口画一个专用车位。", "北下街 12 号", "declined"),
]


def load() -> dict:
    district = Unit.objects.get(division_code="410104")
    cats = {
        code: services.ensure_service(district, code, name, desc, group)
        for code, name, desc, group in CATEGORIES
    }
    if Report.objects.filter(district=district).exists():
        return {"reports": 0}
    supervisor = get_user_model().objects.filter(username="supervisor").first()
    nanguan = Unit.objects.get(district=district, name="南关街街道")
    # A partner system's key, as the system administrator would issue it. The key itself is
    # returned once and discarded here: the demo shows the list, the prefix and revocation.
    hotline, _key = services.issue_partner_key(None, name="12345 政务服务便民热线", district=district)
    for code, text, address, fate in REPORTS:
        report = services.file_report(
            service=cats[code], description=text, address=address,
            channel="open311" if fate == "hotline" else "web", partner=hotline if fate == "hotline" else None,
        )  # fmt: skip
        if fate.startswith("triage"):
            report = services.triage_to_matter(supervisor, report, lead_unit=nanguan, working_days=5)
            matter = supervision.acknowledge(None, report.matter)
            if fate == "triage_closed":
                matter = supervision.request_closure(None, matter, note="已补装井盖并设置警示。")
                supervision.verify_close(supervisor, matter, note="回访群众满意。")
        elif fate == "declined":
            services.decline_report(supervisor, report, reason="公共道路不能设置个人专用车位，已电话解释。")
    return {"reports": len(REPORTS)}
